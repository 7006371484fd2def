/**
 * `limner generate "prompt"`: one generation, streamed so a progress bar (cli-progress) follows
 * the denoising steps; writes the images and prints the revised prompt and the paths.
 *
 * @module
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { ImageGenerateParams } from "@limner/sdk";
import { Decoder, ImageQuality, ImageSize, ImageStyle, OutputFormat } from "@limner/sdk/contracts";
import { SingleBar } from "cli-progress";
import { type Command, enumFlag, intFlag, numberFlag } from "../command";
import { UsageError } from "../io";

const USAGE = `Usage: limner generate "<prompt>" [options]

Options:
  --size <WxH>            ${ImageSize.options.join(" | ")} (default 1024x1024)
  --seed <n>              same seed and options give the same image
  --steps <n>             denoising steps (1-100; default: the model's)
  --quality <q>           ${ImageQuality.options.join(" | ")}
  --style <s>             ${ImageStyle.options.join(" | ")}
  --decoder <d>           ${Decoder.options.join(" | ")}
  --guidance-scale <x>    classifier-free guidance (0-30)
  --negative-prompt <t>   what to steer away from
  --model <id>            default: the deployment's
  --no-upsample           send the prompt verbatim (no prompt upsampling)
  -n <n>                  images (1-4)
  -o, --out <file>        where to write (default image.png; image-1.png, … when n > 1)
  --json                  print the result as JSON instead of lines

Needs LIMNER_API_KEY.`;

/** `out.png` for one image; `out-1.png`, `out-2.png`, … for several. */
export function outputPaths(out: string, count: number, format: string): string[] {
  const dot = out.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [out.slice(0, dot), out.slice(dot)] : [out, `.${format}`];
  if (count === 1) return [dot > 0 ? out : `${stem}${ext}`];
  return Array.from({ length: count }, (_, i) => `${stem}-${i + 1}${ext}`);
}

export const generateCommand: Command = {
  name: "generate",
  summary: "generate images from a prompt, with a progress bar",
  usage: USAGE,
  async run(args, { io, client }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      allowNegative: true,
      options: {
        size: { type: "string" },
        seed: { type: "string" },
        steps: { type: "string" },
        quality: { type: "string" },
        style: { type: "string" },
        decoder: { type: "string" },
        "guidance-scale": { type: "string" },
        "negative-prompt": { type: "string" },
        model: { type: "string" },
        upsample: { type: "boolean" },
        "output-format": { type: "string" },
        n: { type: "string", short: "n" },
        out: { type: "string", short: "o" },
        json: { type: "boolean", default: false },
      },
    });
    if (positionals.length !== 1 || !positionals[0]?.trim()) {
      throw new UsageError(
        'generate needs exactly one prompt (quote it: limner generate "a red circle").',
      );
    }
    const outputFormat = enumFlag("output-format", values["output-format"], OutputFormat.options);
    // Absent flags stay `undefined`, which JSON leaves out, so the edge's defaults apply.
    const params: ImageGenerateParams = {
      prompt: positionals[0],
      response_format: "b64_json",
      size: enumFlag("size", values.size, ImageSize.options),
      quality: enumFlag("quality", values.quality, ImageQuality.options),
      style: enumFlag("style", values.style, ImageStyle.options),
      decoder: enumFlag("decoder", values.decoder, Decoder.options),
      seed: intFlag("seed", values.seed, { max: 2 ** 32 - 1 }),
      steps: intFlag("steps", values.steps, { min: 1, max: 100 }),
      n: intFlag("n", values.n, { min: 1, max: 4 }),
      guidance_scale: numberFlag("guidance-scale", values["guidance-scale"], { min: 0, max: 30 }),
      negative_prompt: values["negative-prompt"],
      model: values.model,
      upsample: values.upsample,
      output_format: outputFormat,
    };

    const bar = new SingleBar({
      format: "{bar} {percentage}% | step {value}/{total} | {status}",
      stream: io.progress,
      hideCursor: true,
      clearOnComplete: true,
    });
    let started = false;
    const stream = await client("apiKey").images.generate({ ...params, stream: true });
    try {
      for await (const event of stream) {
        if (event.type === "limner.queued") {
          if (!started) bar.start(1, 0, { status: `queued (${event.position} ahead)` });
          started = true;
        } else if (event.type === "limner.progress") {
          if (!started) bar.start(event.total_steps, 0, { status: "denoising" });
          started = true;
          bar.setTotal(event.total_steps);
          bar.update(event.step, { status: "denoising" });
        }
      }
    } finally {
      bar.stop();
    }
    const result = await stream.finalResult();
    const paths = outputPaths(values.out ?? "image.png", result.data.length, outputFormat ?? "png");
    await Promise.all(
      result.data.map((image, i) =>
        writeFile(paths[i] ?? `image-${i + 1}.png`, Buffer.from(image.b64_json ?? "", "base64")),
      ),
    );
    if (values.json) {
      io.out(
        JSON.stringify({
          files: paths,
          revised_prompt: result.data[0]?.revised_prompt,
          limner: result.limner,
        }),
      );
      return 0;
    }
    io.out(`Revised prompt: ${result.data[0]?.revised_prompt ?? positionals[0]}`);
    if (result.limner) io.out(`Seed: ${result.limner.seed}  Model: ${result.limner.model}`);
    for (const path of paths) io.out(`Wrote ${path}`);
    return 0;
  },
};
