/**
 * The image model card's numbers, measured through the bundle's exported ONNX models and the
 * runtime's own code (the command behind `/usr/bin/python3 -m training.image.evaluate`):
 * - `--suite`: the held-out prompt suite generated and judged (evaluate-suite.ts), every score
 *   with its 95 % bootstrap interval over prompts (statistics.ts);
 * - `--renders`: the judge on the suite's ground-truth renders and their VAE round trips, the
 *   cap any generator can reach (judge-cap.ts; needs `--vae-encoder`);
 * - `--gt-dir`: the decoders compared by PSNR on ground-truth latents (decoders.ts).
 *
 * ```
 * cd gpu-runtime && npx tsx eval/eval-image.ts --bundle models/limner-mini \
 *   --suite suite.json --out results.json [--limit PROMPTS] [--images N] [--steps S]
 *   [--guidance G] [--decoder vae|consistency] [--scheduler euler|ddim|dpm++2m]
 *   [--variants short,short+upsample,descriptive,descriptive+upsample]
 *   [--scorer-bundle models/limner-mini] [--renders DIR --vae-encoder vae_encoder.onnx]
 *   [--gt-dir DIR --vae-encoder vae_encoder.onnx --teacher teacher.onnx --teacher-steps 40]
 *   [--seed 0] [--resamples 2000] [--providers cuda,cpu] [--threads 0]
 * ```
 *
 * @module
 */
import { renameSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Decoder, SchedulerName } from "@limner/contracts";
import { CATEGORIES, type Estimate, MAX_IMAGES_PER_PROMPT, VARIANTS } from "@limner/contracts/eval";
import { z } from "zod";
import { type DecoderResults, evaluateDecoders } from "./decoders";
import { evaluateSuite, type SuiteResults } from "./evaluate-suite";
import type { GenerationSettings } from "./generate";
import { type CapResults, evaluateJudgeCap } from "./judge-cap";
import { hostBundle } from "./runtime-host";
import { readSuite } from "./suite-file";

const OPTIONS = {
  bundle: { type: "string" },
  suite: { type: "string" },
  out: { type: "string" },
  limit: { type: "string" },
  images: { type: "string" },
  steps: { type: "string" },
  guidance: { type: "string" },
  decoder: { type: "string" },
  scheduler: { type: "string" },
  variants: { type: "string" },
  "scorer-bundle": { type: "string" },
  renders: { type: "string" },
  "gt-dir": { type: "string" },
  "gt-limit": { type: "string" },
  "vae-encoder": { type: "string" },
  teacher: { type: "string" },
  "teacher-steps": { type: "string", default: "40" },
  seed: { type: "string", default: "0" },
  resamples: { type: "string", default: "2000" },
  providers: { type: "string", default: "cuda,cpu" },
  threads: { type: "string", default: "0" },
} as const;

const Count = z.coerce.number().int().min(0);
const int = (value: string | undefined) => (value === undefined ? undefined : Count.parse(value));
const need = (name: string, value: string | undefined): string => {
  if (!value) throw new Error(`--${name} is required`);
  return value;
};

function settingsOf(values: Record<string, string | undefined>): GenerationSettings {
  const steps = int(values.steps);
  return {
    ...(steps !== undefined ? { steps } : {}),
    ...(values.guidance ? { guidanceScale: z.coerce.number().min(0).parse(values.guidance) } : {}),
    ...(values.decoder ? { decoder: Decoder.parse(values.decoder) } : {}),
    ...(values.scheduler ? { scheduler: SchedulerName.parse(values.scheduler) } : {}),
  };
}

const pct = (e: Estimate) =>
  e.mean === null
    ? "-"
    : `${(100 * e.mean).toFixed(1)} (${e.low === null ? "?" : (100 * e.low).toFixed(1)}–${e.high === null ? "?" : (100 * e.high).toFixed(1)})`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: OPTIONS });
  const bundle = need("bundle", values.bundle);
  const out = need("out", values.out);
  if (!values.suite && !values["gt-dir"]) throw new Error("give --suite and/or --gt-dir");
  if (values.renders && !values.suite) throw new Error("--renders needs --suite");
  const log = (line: string) => console.error(line);
  const seed = int(values.seed) ?? 0;
  const bootstrap = { seed, resamples: int(values.resamples) ?? 2000 };
  const threads = int(values.threads) ?? 0;
  const results: {
    bundle: string;
    createdAt: string;
    suite?: SuiteResults;
    cap?: CapResults;
    decoders?: DecoderResults;
  } = { bundle: resolve(bundle), createdAt: new Date().toISOString() };
  const save = async () => {
    await writeFile(`${out}.tmp`, `${JSON.stringify(results, null, 1)}\n`);
    renameSync(`${out}.tmp`, out);
  };
  const sessions = {
    bundleDir: bundle,
    providers: values.providers.split(","),
    threads,
    log,
  };

  if (values.suite) {
    const suite = readSuite(values.suite);
    const items = suite.items.slice(0, int(values.limit));
    const images = z
      .int()
      .min(1)
      .max(MAX_IMAGES_PER_PROMPT)
      .parse(int(values.images) ?? suite.imagesPerPrompt);
    const variants = z
      .array(z.enum(VARIANTS))
      .parse((values.variants ?? VARIANTS.join(",")).split(","));
    const host = { providers: values.providers, threads, log };
    const generator = await hostBundle(bundle, host);
    const scorer = values["scorer-bundle"]
      ? await hostBundle(values["scorer-bundle"], host)
      : generator;
    try {
      results.suite = await evaluateSuite({
        generator,
        scorer,
        items,
        imagesPerPrompt: images,
        variants,
        settings: settingsOf(values),
        bootstrap,
        log,
        // Each save writes every result so far: often enough to resume reading, not to dominate.
        progressEvery: 50,
        onProgress: async (partial) => {
          results.suite = partial;
          await save();
        },
      });
      await save();
      if (values.renders) {
        results.cap = await evaluateJudgeCap({
          ...sessions,
          vaeEncoder: need("vae-encoder", values["vae-encoder"]),
          rendersDir: values.renders,
          items,
          scorer,
          bootstrap,
        });
        await save();
      }
    } finally {
      await generator.close();
      if (scorer !== generator) await scorer.close();
    }
    for (const [variant, s] of Object.entries(results.suite.summary)) {
      const cats = CATEGORIES.map((c) => `${c} ${pct(s.categories[c])}`).join(", ");
      log(`${variant}: ${cats}; mean ${pct(s.overall)}; ${s.msPerImage.toFixed(0)} ms/image`);
    }
    for (const [kind, row] of Object.entries(results.cap?.rows ?? {}))
      log(`judge on ${kind} (short prompts): mean ${pct(row.short.overall)}`);
  }
  if (values["gt-dir"]) {
    const teacher = values.teacher;
    const gtLimit = int(values["gt-limit"]);
    results.decoders = await evaluateDecoders({
      ...sessions,
      gtDir: values["gt-dir"],
      vaeEncoder: need("vae-encoder", values["vae-encoder"]),
      ...(teacher ? { teacher, teacherSteps: int(values["teacher-steps"]) ?? 40 } : {}),
      ...(gtLimit !== undefined ? { limit: gtLimit } : {}),
      seed,
    });
    await save();
    for (const [m, r] of Object.entries(results.decoders.methods)) {
      log(
        `decoder ${m}: ${r.psnrDb.toFixed(2)} dB, ${r.nfe} NFE, ${r.msPerImage.toFixed(1)} ms/image`,
      );
    }
  }
  log(`wrote ${out}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
