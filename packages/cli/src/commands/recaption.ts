/**
 * `limner recaption`: the DALL-E 3 report's data step as a tool. Captions every image of a
 * dataset with both captioners (short and descriptive), blends them with the original text into
 * a training manifest, shows a progress bar with rate and ETA, resumes after a kill without
 * redoing finished images, and splits one dataset between N copies with `--shard i/N` (e.g. a
 * Kubernetes Indexed Job, each copy writing its own manifest).
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Limner } from "@limner/sdk";
import { SingleBar } from "cli-progress";
import { type Command, intFlag, numberFlag } from "../command";
import { UsageError } from "../io";
import { usesDescriptive } from "../recaption/blend";
import { type DatasetItem, parseShard, readDataset, shardOf } from "../recaption/dataset";
import { type ManifestRow, ManifestWriter, resumeManifest } from "../recaption/manifest";

const USAGE = `Usage: limner recaption <folder | file.jsonl> --out <manifest.jsonl> [options]

  <folder>            every .png/.jpg/.webp under it (no original text)
  <file.jsonl>        rows of {"image": "<path relative to the file>", "alt_text": "…"}
  --out <file>        the manifest (JSON Lines, appended to; rerun to resume)
  --blend <p>         share of rows that train on the descriptive caption (default 0.95)
  --seed <n>          seed of the blend's per-image pick (default 0)
  --concurrency <n>   images in flight at once (default 4)
  --shard <i/N>       take every N-th image starting at i (default 0/1: all)
  --model <id>        captioning model (default: the deployment's)

Each row: image, alt_text, short_caption, descriptive_caption, caption, caption_source, model.
Needs LIMNER_API_KEY.`;

async function recaptionOne(
  limner: Limner,
  item: DatasetItem,
  options: { blend: number; seed: number; model: string | undefined },
): Promise<ManifestRow> {
  const model = options.model ? { model: options.model } : {};
  const [short, descriptive] = await Promise.all([
    limner.images.caption({ image: item.path, detail: "short", ...model }),
    limner.images.caption({ image: item.path, detail: "descriptive", ...model }),
  ]);
  const original = item.altText ?? short.caption;
  const pickDescriptive = usesDescriptive(options.blend, options.seed, item.image);
  return {
    image: item.image,
    alt_text: item.altText,
    short_caption: short.caption,
    descriptive_caption: descriptive.caption,
    caption: pickDescriptive ? descriptive.caption : original,
    caption_source: pickDescriptive ? "descriptive" : "original",
    model: descriptive.model,
  };
}

export const recaptionCommand: Command = {
  name: "recaption",
  summary: "caption a dataset into a blended training manifest (resumable, shardable)",
  usage: USAGE,
  async run(args, { io, client }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        blend: { type: "string" },
        seed: { type: "string" },
        concurrency: { type: "string" },
        shard: { type: "string" },
        model: { type: "string" },
      },
    });
    const [input] = positionals;
    if (!input || positionals.length > 1) {
      throw new UsageError("recaption needs one <folder | file.jsonl>.");
    }
    if (!values.out) throw new UsageError("recaption needs --out <manifest.jsonl>.");
    const options = {
      blend: numberFlag("blend", values.blend, { min: 0, max: 1 }) ?? 0.95,
      seed: intFlag("seed", values.seed) ?? 0,
      model: values.model,
    };
    const concurrency = intFlag("concurrency", values.concurrency, { min: 1, max: 64 }) ?? 4;
    const shard = parseShard(values.shard);
    // A batch job outlasts rate-limit windows: it waits out 429s (as the edge's retry-after
    // says) many times over rather than stopping a long run.
    const limner = client("apiKey", { maxRetries: 10 });

    const items = shardOf(await readDataset(input), shard);
    const done = new Set((await resumeManifest(values.out)).map((row) => row.image));
    const todo = items.filter((item) => !done.has(item.image));
    io.err(
      `recaption: ${items.length} images in shard ${shard.index}/${shard.count}, ${items.length - todo.length} already in ${values.out}, ${todo.length} to caption.`,
    );

    const writer = await ManifestWriter.open(values.out);
    const bar = new SingleBar({
      format: "{bar} {value}/{total} | {rate} img/s | ETA {eta_formatted}",
      stream: io.progress,
      etaBuffer: 50,
    });
    const started = Date.now();
    let finished = items.length - todo.length;
    bar.start(items.length, finished, { rate: "-" });
    let next = 0;
    let failure: unknown;
    const worker = async () => {
      while (failure === undefined && next < todo.length) {
        const item = todo[next++];
        if (!item) return;
        try {
          await writer.append(await recaptionOne(limner, item, options));
        } catch (error) {
          failure ??= error;
          return;
        }
        finished++;
        const seconds = (Date.now() - started) / 1000;
        const rate =
          seconds > 0 ? ((finished - (items.length - todo.length)) / seconds).toFixed(1) : "-";
        bar.update(finished, { rate });
      }
    };
    try {
      await Promise.all(Array.from({ length: concurrency }, worker));
    } finally {
      bar.stop();
      await writer.close();
    }
    // Rows finished before the failure are kept: rerunning resumes after them.
    if (failure !== undefined) throw failure;
    io.err(`recaption: wrote ${todo.length} rows; ${values.out} has ${items.length}.`);
    return 0;
  },
};
