/**
 * The image model card's numbers, measured through the bundle's exported ONNX models and the
 * runtime's own code: the runtime loads the bundle (real sessions, real worker threads), every
 * held-out suite item (`training/image/suite.py`) is generated with `services.generate` — after
 * `services.upsample` for the "+upsample" variants, as DALL-E 3 rewrites user prompts (Betker et
 * al. 2023, §3.5) — and `services.score` reads the image back with the judge and gives the
 * image–text similarity. Scores are T2I-CompBench-style (Huang et al. 2023) against what the
 * *original* prompt states (`expected_short` / `expected_descriptive`), never the rewrite.
 *
 * With `--gt-dir`, the decoders are also compared on held-out renders: VAE-encode, then decode
 * with the VAE decoder (1 evaluation), the consistency decoder (2, docs/model-manifest.md) and
 * the teacher diffusion decoder sampled with Euler over Karras σs (Karras et al. 2022).
 *
 * ```
 * cd gpu-runtime && npx tsx training/eval_image.ts --bundle ../out/limner-mini \
 *   --suite suite.json --out results.json [--limit N] [--steps S] [--guidance G]
 *   [--decoder vae|consistency] [--variants short,short+upsample,descriptive,descriptive+upsample]
 *   [--scorer-bundle models/limner-mini] [--gt-dir DIR --vae-encoder vae_encoder.onnx
 *   --teacher teacher.onnx --teacher-steps 40] [--providers cuda,cpu] [--threads 0]
 * ```
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  type CompBenchScores,
  Decoder,
  GenerateInput,
  type SceneGraph,
  SchedulerName,
} from "@limner/contracts";
import sharp from "sharp";
import { z } from "zod";
import { InferencePool } from "../src/backend/inference-pool";
import { float32 } from "../src/backend/tensor-data";
import { loadRuntimeEnv } from "../src/env";
import { scoreParsed } from "../src/judge/compbench-scores";
import type { ParsedPrompt } from "../src/judge/prompt-parser";
import {
  COLUMNS,
  type Colour as ColourName,
  isColour,
  ROWS,
  SHAPES,
  SIZES,
  TEXTURES,
} from "../src/judge/vocabulary";
import { ConsistencyDecoderEntry, VaeDecoderEntry } from "../src/models/limner-model";
import { ConsistencyDecoder } from "../src/pipelines/consistency-decoder";
import type { LoadedSession } from "../src/pipelines/text-to-image";
import { SeededRandom } from "../src/random/seeded-random";
import { createRuntime } from "../src/runtime-services";
import { karrasSigmas } from "../src/schedulers/sigmas";
import type { RuntimeServices } from "../src/services";

export const VARIANTS = ["short", "short+upsample", "descriptive", "descriptive+upsample"] as const;
export type Variant = (typeof VARIANTS)[number];
export const CATEGORIES = ["colour", "shape", "texture", "counting", "spatial"] as const;
export type Category = (typeof CATEGORIES)[number];
type ScoreName = keyof CompBenchScores;
/** The score each category is about. */
export const CATEGORY_SCORE: Readonly<Record<Category, ScoreName>> = {
  colour: "colourBinding",
  shape: "shapeBinding",
  texture: "textureBinding",
  counting: "counting",
  spatial: "spatial",
};
const SCORE_NAMES = Object.values(CATEGORY_SCORE);

// ---- The suite file (written by training/image/suite.py), validated. ----
const Shape = z.enum(SHAPES);
const Colour = z.custom<ColourName>((v) => typeof v === "string" && isColour(v), "not a colour");
const Cell = z
  .int()
  .min(0)
  .max(Math.min(ROWS.length, COLUMNS.length) - 1);
const ObjectRef = z.object({ colour: Colour.optional(), shape: Shape });
const Expectation = z.object({
  objects: z.array(
    z.object({
      shape: Shape,
      colour: Colour.optional(),
      texture: z.enum(TEXTURES).optional(),
      size: z.enum(SIZES).optional(),
      row: Cell.optional(),
      column: Cell.optional(),
    }),
  ),
  background: z.string().optional(),
  count: z.int().nonnegative().optional(),
  shapeCounts: z.partialRecord(Shape, z.int().nonnegative()),
  relations: z.array(
    z.object({ a: ObjectRef, relation: z.enum(["left", "right", "above", "below"]), b: ObjectRef }),
  ),
});
export const SuiteItem = z.object({
  id: z.string().min(1),
  category: z.enum(CATEGORIES),
  bucket: z.string().min(1),
  seed: z
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  short: z.string().min(1),
  descriptive: z.string().min(1),
  expected_short: Expectation,
  expected_descriptive: Expectation,
});
export type SuiteItem = z.infer<typeof SuiteItem>;
const Suite = z.looseObject({ items: z.array(SuiteItem).min(1) });

// ---- Results. ----
export interface Mean {
  /** Mean of the non-null values; null when there were none. */
  mean: number | null;
  n: number;
}
export interface ItemResult {
  id: string;
  category: Category;
  variant: Variant;
  bucket: string;
  seed: number;
  /** The user's prompt, the one scored against. */
  prompt: string;
  /** What the generator got (the upsampler's rewrite for "+upsample"). */
  generationPrompt: string;
  scores: CompBenchScores;
  /** This item's category score (e.g. colourBinding for a colour item). */
  categoryScore: number | null;
  similarity: number | null;
  sceneGraph: SceneGraph;
  ms: { upsample: number; generate: number; score: number };
}
export interface VariantSummary {
  n: number;
  /** Wall time of `services.generate` per image (upsampling and scoring excluded). */
  msPerImage: number;
  msPerUpsample: number | null;
  /** Upsampling, generation and scoring together. */
  msPerItem: number;
  similarity: Mean;
  /** Every score over every item of the variant. */
  scores: Record<ScoreName, Mean>;
  /** Per category: its own score and the similarity. */
  categories: Record<Category, { score: Mean; similarity: Mean }>;
}
export interface SuiteResults {
  model: string;
  scorerModel: string;
  settings: {
    steps?: number;
    guidanceScale?: number;
    decoder?: Decoder;
    scheduler?: SchedulerName;
  };
  /** What the runtime actually used (the bundle's defaults unless overridden). */
  generation: { steps: number; guidanceScale: number; decoder: string; scheduler: string } | null;
  variants: Variant[];
  summary: Partial<Record<Variant, VariantSummary>>;
  items: ItemResult[];
}

/**
 * The suite's items, categories interleaved (the first of each category, then the second, …) so
 * that `--limit` and partial results cover every category evenly.
 */
export function readSuite(path: string): SuiteItem[] {
  const parsed = Suite.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) throw new Error(`Invalid suite ${path}:\n${z.prettifyError(parsed.error)}`);
  const seen = new Map<Category, number>();
  const ranked = parsed.data.items.map((item) => {
    const rank = seen.get(item.category) ?? 0;
    seen.set(item.category, rank + 1);
    return { item, rank };
  });
  ranked.sort((a, b) => a.rank - b.rank); // stable: file order within a rank
  return ranked.map((r) => r.item);
}

function mean(values: readonly (number | null)[]): Mean {
  const present = values.filter((v): v is number => v !== null);
  return {
    mean: present.length ? present.reduce((a, b) => a + b, 0) / present.length : null,
    n: present.length,
  };
}

export function summarise(items: readonly ItemResult[], variant: Variant): VariantSummary {
  const mine = items.filter((r) => r.variant === variant);
  const scores = Object.fromEntries(
    SCORE_NAMES.map((name) => [name, mean(mine.map((r) => r.scores[name]))]),
  ) as Record<ScoreName, Mean>;
  const categories = Object.fromEntries(
    CATEGORIES.map((c) => {
      const rows = mine.filter((r) => r.category === c);
      const score = mean(rows.map((r) => r.categoryScore));
      return [c, { score, similarity: mean(rows.map((r) => r.similarity)) }];
    }),
  ) as Record<Category, { score: Mean; similarity: Mean }>;
  return {
    n: mine.length,
    msPerImage: mean(mine.map((r) => r.ms.generate)).mean ?? 0,
    msPerUpsample: variant.endsWith("+upsample") ? mean(mine.map((r) => r.ms.upsample)).mean : null,
    msPerItem: mean(mine.map((r) => r.ms.upsample + r.ms.generate + r.ms.score)).mean ?? 0,
    similarity: mean(mine.map((r) => r.similarity)),
    scores,
    categories,
  };
}

/** A runtime serving one bundle, started from a temporary models folder holding a link to it. */
export interface HostedBundle {
  readonly services: RuntimeServices;
  readonly model: string;
  close(): Promise<void>;
}

export async function hostBundle(
  bundleDir: string,
  options: { providers?: string; threads?: number; log?: (line: string) => void } = {},
): Promise<HostedBundle> {
  const modelsDir = mkdtempSync(join(tmpdir(), "limner-eval-models-"));
  symlinkSync(resolve(bundleDir), join(modelsDir, "bundle"));
  const env = loadRuntimeEnv({
    // Services are called in-process; the token only satisfies the schema.
    LIMNER_SERVICE_TOKEN: randomBytes(16).toString("hex"),
    LIMNER_MODELS_DIR: modelsDir,
    LIMNER_EXECUTION_PROVIDERS: options.providers ?? "cuda,cpu",
    LIMNER_INTRA_OP_THREADS: String(options.threads ?? 0),
    LIMNER_MAX_BATCH: "1",
  });
  const runtime = createRuntime(env, "eval", options.log ?? ((line) => console.error(line)));
  const close = async () => {
    await runtime.shutdown();
    rmSync(modelsDir, { recursive: true, force: true });
  };
  try {
    await runtime.start();
    const model = runtime.services.models()[0]?.id;
    if (!model) throw new Error(`${bundleDir} holds no model bundle (model.json)`);
    return { services: runtime.services, model, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface EvaluateOptions {
  generator: Pick<HostedBundle, "services" | "model">;
  /** Judge + similarity; the generator's bundle by default (it may lack the contrastive towers). */
  scorer?: Pick<HostedBundle, "services" | "model">;
  items: readonly SuiteItem[];
  variants?: readonly Variant[];
  steps?: number;
  guidanceScale?: number;
  decoder?: Decoder;
  scheduler?: SchedulerName;
  /** Progress lines (stderr in the CLI), at least every `progressEvery` images. */
  log?: (line: string) => void;
  progressEvery?: number;
  /** Called with the results so far at each progress line (the CLI saves them). */
  onProgress?: (partial: SuiteResults) => Promise<void>;
}

export async function evaluateSuite(options: EvaluateOptions): Promise<SuiteResults> {
  const { generator, items } = options;
  const scorer = options.scorer ?? generator;
  const variants = [...(options.variants ?? VARIANTS)];
  const log = options.log ?? (() => {});
  const every = options.progressEvery ?? 10;
  const settings = {
    ...(options.steps !== undefined ? { steps: options.steps } : {}),
    ...(options.guidanceScale !== undefined ? { guidanceScale: options.guidanceScale } : {}),
    ...(options.decoder !== undefined ? { decoder: options.decoder } : {}),
    ...(options.scheduler !== undefined ? { scheduler: options.scheduler } : {}),
  };
  const results: ItemResult[] = [];
  let generation: SuiteResults["generation"] = null;
  const snapshot = (): SuiteResults => ({
    model: generator.model,
    scorerModel: scorer.model,
    settings,
    generation,
    variants,
    summary: Object.fromEntries(variants.map((v) => [v, summarise(results, v)])),
    items: results,
  });
  const total = items.length * variants.length;
  const started = performance.now();

  for (const item of items) {
    for (const variant of variants) {
      const descriptive = variant.startsWith("descriptive");
      const prompt = descriptive ? item.descriptive : item.short;
      const expected: ParsedPrompt = descriptive ? item.expected_descriptive : item.expected_short;
      let t = performance.now();
      const generationPrompt = variant.endsWith("+upsample")
        ? (await generator.services.upsample({ model: generator.model, prompt }, {})).revisedPrompt
        : prompt;
      const upsampleMs = performance.now() - t;
      t = performance.now();
      const input = GenerateInput.parse({
        requestId: `eval-${item.id}-${variant}`,
        model: generator.model,
        prompt: generationPrompt,
        bucket: item.bucket,
        seed: item.seed,
        ...settings,
      });
      const result = await generator.services.generate(input, { onEvent: () => {} });
      const generateMs = performance.now() - t;
      generation ??= {
        steps: result.steps,
        guidanceScale: result.guidanceScale,
        decoder: result.decoder,
        scheduler: result.scheduler,
      };
      const image = result.images[0]?.b64;
      if (!image) throw new Error(`${item.id}/${variant}: the runtime returned no image`);
      t = performance.now();
      const read = await scorer.services.score({ model: scorer.model, image, prompt }, {});
      const scores = scoreParsed(expected, read.sceneGraph);
      results.push({
        id: item.id,
        category: item.category,
        variant,
        bucket: item.bucket,
        seed: item.seed,
        prompt,
        generationPrompt,
        scores,
        categoryScore: scores[CATEGORY_SCORE[item.category]],
        similarity: read.similarity,
        sceneGraph: read.sceneGraph,
        ms: { upsample: upsampleMs, generate: generateMs, score: performance.now() - t },
      });
      if (results.length % every === 0 || results.length === total) {
        const running = variants
          .map(
            (v) =>
              `${v}=${fmt(mean(results.filter((r) => r.variant === v).map((r) => r.categoryScore)).mean)}`,
          )
          .join(" ");
        const perImage = (performance.now() - started) / results.length;
        log(
          `[eval] ${results.length}/${total} (${item.id}) category score: ${running}; ${perImage.toFixed(0)} ms/item`,
        );
        await options.onProgress?.(snapshot());
      }
    }
  }
  return snapshot();
}

function fmt(value: number | null): string {
  return value === null ? "-" : value.toFixed(3);
}

// ---- Decoders on ground-truth renders. ----

/**
 * PSNR in dB of images in [-1, 1] on the 8-bit scale after clamping and rounding, with the MSE
 * floored at 1e-10 — `psnr` of training/image/vae.py, so the two numbers compare.
 */
export function psnr(reconstruction: Float32Array, target: Float32Array): number {
  if (reconstruction.length !== target.length || target.length === 0) {
    throw new RangeError(
      `psnr needs equal, non-empty arrays (${reconstruction.length} vs ${target.length})`,
    );
  }
  const to8bit = (v: number) => Math.round((Math.min(Math.max(v, -1), 1) + 1) * 127.5);
  let sum = 0;
  for (let i = 0; i < target.length; i++) {
    const d = to8bit(reconstruction[i] ?? 0) - to8bit(target[i] ?? 0);
    sum += d * d;
  }
  return 10 * Math.log10(255 ** 2 / Math.max(sum / target.length, 1e-10));
}

/** The teacher's tensors: an EDM denoiser D(x, σ, z) (preconditioning inside the graph). */
export const TEACHER_NAMES = {
  sample: "sample",
  sigma: "sigma",
  latents: "latents",
  output: "denoised",
};
/** The VAE encoder's tensors: image [B,3,H,W] in [-1,1] → raw latents (z / scaling_factor). */
export const ENCODER_NAMES = { image: "image", latents: "latents" };

const DecoderManifest = z.object({
  components: z.object({
    vae_decoder: VaeDecoderEntry,
    consistency_decoder: ConsistencyDecoderEntry.optional(),
  }),
});

export interface DecoderMethod {
  psnrDb: number;
  nfe: number;
  msPerImage: number;
}
export interface DecoderResults {
  images: number;
  methods: Partial<Record<"vae" | "consistency" | "teacher", DecoderMethod>>;
  perImage: { file: string; width: number; height: number; psnrDb: Record<string, number> }[];
}

export interface DecoderOptions {
  bundleDir: string;
  gtDir: string;
  vaeEncoder: string;
  teacher?: string;
  teacherSteps?: number;
  limit?: number;
  /** Image j's noise comes from `new SeededRandom(seed + j).fork(2)`, as a generated image's. */
  seed?: number;
  providers?: readonly string[];
  threads?: number;
  log?: (line: string) => void;
}

async function readPlanar(
  path: string,
): Promise<{ pixels: Float32Array; width: number; height: number }> {
  const { data, info } = await sharp(path)
    .removeAlpha()
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = info.width * info.height;
  const pixels = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) pixels[c * plane + i] = (data[3 * i + c] ?? 0) / 127.5 - 1;
  }
  return { pixels, width: info.width, height: info.height };
}

/**
 * Deterministic Euler over Karras σs down to 0 (Karras et al. 2022, Algorithm 1 without the
 * 2nd-order correction): x ← x + (σ_{i+1} − σ_i)·(x − D(x, σ_i))/σ_i, N evaluations.
 */
export async function sampleEulerKarras(
  denoise: (x: Float32Array, sigma: number) => Promise<Float32Array>,
  noise: Float32Array,
  steps: number,
  { sigmaMin = 0.002, sigmaMax = 80 } = {},
): Promise<Float32Array> {
  const sigmas = [...karrasSigmas(sigmaMin, sigmaMax, steps), 0];
  let x = noise.map((e) => e * (sigmas[0] ?? sigmaMax));
  for (let i = 0; i < steps; i++) {
    const sigma = sigmas[i] ?? 0;
    const next = sigmas[i + 1] ?? 0;
    const denoised = await denoise(x.slice(), sigma);
    x = x.map((xi, k) => xi + ((next - sigma) * (xi - (denoised[k] ?? 0))) / sigma);
  }
  return x;
}

export async function evaluateDecoders(options: DecoderOptions): Promise<DecoderResults> {
  const manifestPath = join(options.bundleDir, "model.json");
  const parsed = DecoderManifest.safeParse(JSON.parse(readFileSync(manifestPath, "utf8")));
  if (!parsed.success) throw new Error(`${manifestPath}:\n${z.prettifyError(parsed.error)}`);
  const { vae_decoder: vae, consistency_decoder: cd } = parsed.data.components;
  const log = options.log ?? (() => {});
  const pool = await InferencePool.start({
    workers: 1,
    executionProviders: options.providers ?? ["cuda", "cpu"],
    ...(options.threads ? { intraOpThreads: options.threads } : {}),
    log,
  });
  try {
    const load = async (
      key: string,
      path: string,
      inputs: string[],
      outputs: string[],
    ): Promise<LoadedSession> => {
      const info = await pool.loadSession(key, path);
      const missing = [
        ...inputs.filter((n) => !info.inputs.some((t) => t.name === n)).map((n) => `input '${n}'`),
        ...outputs
          .filter((n) => !info.outputs.some((t) => t.name === n))
          .map((n) => `output '${n}'`),
      ];
      if (missing.length) throw new Error(`${path} lacks ${missing.join(", ")}`);
      return { key, info };
    };
    const encoder = await load(
      "eval/vae_encoder",
      options.vaeEncoder,
      [ENCODER_NAMES.image],
      [ENCODER_NAMES.latents],
    );
    await load(
      "eval/vae_decoder",
      join(options.bundleDir, vae.file),
      [vae.inputs.latents.name],
      [vae.outputs.image.name],
    );
    let consistency: ConsistencyDecoder | undefined;
    if (cd) {
      const names = {
        sample: cd.inputs.sample.name,
        timestep: cd.inputs.timestep.name,
        latents: cd.inputs.latents.name,
        output: cd.outputs.image.name,
      };
      const session = await load(
        "eval/consistency_decoder",
        join(options.bundleDir, cd.file),
        [names.sample, names.timestep, names.latents],
        [names.output],
      );
      consistency = new ConsistencyDecoder({
        pool,
        session,
        names,
        scaleFactor: vae.downsample_factor,
        sampling: {
          sigmas: cd.sampling.sigmas,
          sigmaMin: cd.sampling.sigma_min,
          ...(cd.sampling.timesteps ? { timesteps: cd.sampling.timesteps } : {}),
        },
      });
    }
    const T = TEACHER_NAMES;
    if (options.teacher)
      await load("eval/teacher", options.teacher, [T.sample, T.sigma, T.latents], [T.output]);
    const teacherSteps = options.teacherSteps ?? 40;

    const output = (
      out: Record<string, { type: string; data: unknown }>,
      name: string,
    ): Float32Array => {
      const tensor = out[name];
      if (tensor?.type !== "float32" || !(tensor.data instanceof Float32Array))
        throw new Error(`no float32 output '${name}'`);
      return tensor.data;
    };
    const files = readdirSync(options.gtDir)
      .filter((f) => f.endsWith(".png"))
      .sort()
      .slice(0, options.limit);
    const times: Record<string, number[]> = {};
    const perImage: DecoderResults["perImage"] = [];
    const timed = async (method: string, work: () => Promise<Float32Array>) => {
      const t = performance.now();
      const out = await work();
      times[method] = [...(times[method] ?? []), performance.now() - t];
      return out;
    };
    for (const [j, file] of files.entries()) {
      const { pixels, width, height } = await readPlanar(join(options.gtDir, file));
      const d = vae.downsample_factor;
      if (width % d || height % d)
        throw new Error(`${file}: ${width}×${height} is not a multiple of ${d}`);
      const [h, w, c] = [height / d, width / d, vae.latent_channels];
      const encoded = await pool.run(encoder.key, {
        [ENCODER_NAMES.image]: float32([1, 3, height, width], pixels),
      });
      const latents = output(encoded, ENCODER_NAMES.latents);
      const latentDims = [1, c, h, w];
      const decoded: Record<string, Float32Array> = {};
      decoded.vae = await timed("vae", async () =>
        output(
          await pool.run("eval/vae_decoder", {
            [vae.inputs.latents.name]: float32(latentDims, latents),
          }),
          vae.outputs.image.name,
        ),
      );
      const seed = ((options.seed ?? 0) + j) % 2 ** 32;
      if (consistency) {
        const decoder = consistency;
        decoded.consistency = await timed("consistency", () =>
          decoder.decode(
            [{ latents: latents.slice(), random: new SeededRandom(seed).fork(2) }],
            c,
            w,
            h,
          ),
        );
      }
      if (options.teacher) {
        const noise = new SeededRandom(seed).fork(2).randn(pixels.length);
        decoded.teacher = await timed("teacher", () =>
          sampleEulerKarras(
            async (x, sigma) =>
              output(
                await pool.run("eval/teacher", {
                  [T.sample]: float32([1, 3, height, width], x),
                  [T.sigma]: float32([1], [sigma]),
                  [T.latents]: float32(latentDims, latents),
                }),
                T.output,
              ),
            Float32Array.from(noise),
            teacherSteps,
          ),
        );
      }
      const scores = Object.fromEntries(
        Object.entries(decoded).map(([m, img]) => [m, psnr(img, pixels)]),
      );
      perImage.push({ file, width, height, psnrDb: scores });
      log(
        `[decoders] ${j + 1}/${files.length} ${file}: ${Object.entries(scores)
          .map(([m, p]) => `${m} ${p.toFixed(2)} dB`)
          .join(", ")}`,
      );
    }
    const nfe: Record<string, number> = { vae: 1, consistency: 2, teacher: teacherSteps };
    const methods: DecoderResults["methods"] = {};
    for (const m of ["vae", "consistency", "teacher"] as const) {
      const ms = times[m];
      if (!ms) continue;
      methods[m] = {
        psnrDb: mean(perImage.map((p) => p.psnrDb[m] ?? null)).mean ?? Number.NaN,
        nfe: nfe[m] ?? 0,
        msPerImage: mean(ms).mean ?? 0,
      };
    }
    return { images: files.length, methods, perImage };
  } finally {
    await pool.close();
  }
}

// ---- CLI. ----

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      bundle: { type: "string" },
      suite: { type: "string" },
      out: { type: "string" },
      limit: { type: "string" },
      steps: { type: "string" },
      guidance: { type: "string" },
      decoder: { type: "string" },
      scheduler: { type: "string" },
      variants: { type: "string" },
      "scorer-bundle": { type: "string" },
      "gt-dir": { type: "string" },
      "gt-limit": { type: "string" },
      "vae-encoder": { type: "string" },
      teacher: { type: "string" },
      "teacher-steps": { type: "string", default: "40" },
      seed: { type: "string", default: "0" },
      providers: { type: "string", default: "cuda,cpu" },
      threads: { type: "string", default: "0" },
    },
  });
  const need = (name: string, value: string | undefined): string => {
    if (!value) throw new Error(`--${name} is required`);
    return value;
  };
  const int = (value: string | undefined) =>
    value === undefined ? undefined : z.coerce.number().int().min(0).parse(value);
  const bundle = need("bundle", values.bundle);
  const out = need("out", values.out);
  if (!values.suite && !values["gt-dir"]) throw new Error("give --suite and/or --gt-dir");
  const log = (line: string) => console.error(line);
  const results: {
    bundle: string;
    createdAt: string;
    suite?: SuiteResults;
    decoders?: DecoderResults;
  } = {
    bundle: resolve(bundle),
    createdAt: new Date().toISOString(),
  };
  const save = async () => {
    await writeFile(`${out}.tmp`, `${JSON.stringify(results, null, 1)}\n`);
    renameSync(`${out}.tmp`, out);
  };
  const hostOptions = { providers: values.providers, threads: int(values.threads) ?? 0, log };

  if (values.suite) {
    const items = readSuite(values.suite).slice(0, int(values.limit));
    const variants = z
      .array(z.enum(VARIANTS))
      .parse((values.variants ?? VARIANTS.join(",")).split(","));
    const generator = await hostBundle(bundle, hostOptions);
    const scorer = values["scorer-bundle"]
      ? await hostBundle(values["scorer-bundle"], hostOptions)
      : undefined;
    try {
      const steps = int(values.steps);
      results.suite = await evaluateSuite({
        generator,
        ...(scorer ? { scorer } : {}),
        items,
        variants,
        ...(steps !== undefined ? { steps } : {}),
        ...(values.guidance
          ? { guidanceScale: z.coerce.number().min(0).parse(values.guidance) }
          : {}),
        ...(values.decoder ? { decoder: Decoder.parse(values.decoder) } : {}),
        ...(values.scheduler ? { scheduler: SchedulerName.parse(values.scheduler) } : {}),
        log,
        onProgress: async (partial) => {
          results.suite = partial;
          await save();
        },
      });
    } finally {
      await generator.close();
      await scorer?.close();
    }
    await save();
    for (const [variant, s] of Object.entries(results.suite.summary)) {
      const cats = CATEGORIES.map((c) => `${c} ${fmt(s.categories[c].score.mean)}`).join(", ");
      log(
        `${variant}: ${cats}; similarity ${fmt(s.similarity.mean)}; ${s.msPerImage.toFixed(0)} ms/image (n=${s.n})`,
      );
    }
  }
  if (values["gt-dir"]) {
    const teacher = values.teacher;
    results.decoders = await evaluateDecoders({
      bundleDir: bundle,
      gtDir: values["gt-dir"],
      vaeEncoder: need("vae-encoder", values["vae-encoder"]),
      ...(teacher ? { teacher, teacherSteps: int(values["teacher-steps"]) ?? 40 } : {}),
      ...(values["gt-limit"] ? { limit: int(values["gt-limit"]) } : {}),
      seed: int(values.seed) ?? 0,
      providers: values.providers.split(","),
      threads: int(values.threads) ?? 0,
      log,
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
