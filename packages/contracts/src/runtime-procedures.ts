/**
 * Inputs and outputs of the runtime's tRPC procedures. This is an internal protocol between
 * the edge and the runtimes, so it is camelCase; the edge translates to and from OpenAI's
 * snake_case wire format in one place.
 *
 * @module
 */
import { z } from "zod";
import { CaptionDetail } from "./captions";
import { Decoder, ImageStyle, MAX_PROMPT_LENGTH, OutputFormat } from "./images";

export const SchedulerName = z.enum(["euler", "ddim", "dpm++2m"]);
export type SchedulerName = z.infer<typeof SchedulerName>;

const Seed = z
  .int()
  .min(0)
  .max(2 ** 32 - 1);

/**
 * How much compute an image gets: dall-e-3's `standard` / `hd` and gpt-image's
 * `low` / `medium` / `high` / `auto`. The runtime maps each to steps and decoder from the
 * model's defaults (docs/runtime.md): low = half the steps with the VAE, standard = medium =
 * auto = the defaults, hd = high = double the steps with the consistency decoder when present.
 */
export const GenerationQuality = z.enum(["standard", "hd", "low", "medium", "high", "auto"]);
export type GenerationQuality = z.infer<typeof GenerationQuality>;

/** Most previews one request may ask for by count (`previews: <number>`). */
export const MAX_PREVIEWS = 8;

/**
 * One text-to-image request. Its `n` images share the prompt and the seed; image k draws its
 * noise from the Philox stream keyed by (seed, k), so no two (seed, k) pairs share noise and
 * image 0 is the image an `n = 1` request with that seed gets.
 */
export const GenerateInput = z.strictObject({
  /** The edge's request id: a retried request with the same id is not generated twice. */
  requestId: z.string().min(1).max(128),
  model: z.string().min(1),
  prompt: z.string().min(1).max(MAX_PROMPT_LENGTH),
  negativePrompt: z.string().max(MAX_PROMPT_LENGTH).default(""),
  n: z.int().min(1).max(4).default(1),
  /** A bucket name from the model's manifest; the model's first bucket when absent. */
  bucket: z.string().min(1).optional(),
  /** Final image size; the native render is upscaled to it (never downscaled below native). */
  outputSize: z
    .object({ width: z.int().min(8).max(4096), height: z.int().min(8).max(4096) })
    .optional(),
  steps: z.int().min(1).max(100).optional(),
  /** See {@link GenerationQuality}; explicit `steps` / `decoder` override it. */
  quality: GenerationQuality.default("standard"),
  guidanceScale: z.number().min(0).max(30).optional(),
  /** Chosen by the runtime (and reported) when absent. */
  seed: Seed.optional(),
  decoder: Decoder.optional(),
  scheduler: SchedulerName.optional(),
  outputFormat: OutputFormat.default("png"),
  /** Encoder quality 0–100 for `jpeg` / `webp` (fixed settings when absent). */
  outputCompression: z.int().min(0).max(100).optional(),
  /**
   * Previews on progress events. `true`: a latent-resolution PNG every few steps (no decoder
   * call). A number k: exactly min(k, steps) previews at steps spread evenly over the run, each
   * the decoded x₀ estimate of image 0 at that step, encoded like the final image (format,
   * size), numbered by `previewIndex`.
   */
  previews: z.union([z.boolean(), z.int().min(0).max(MAX_PREVIEWS)]).default(false),
  /** Milliseconds the caller will wait; the request is abandoned (and stops computing) after. */
  deadlineMs: z.int().positive().max(3_600_000).optional(),
});
export type GenerateInput = z.output<typeof GenerateInput>;
export type GenerateInputIn = z.input<typeof GenerateInput>;

export const GeneratedImage = z.object({
  /** Base64 of the encoded image. */
  b64: z.string(),
  mimeType: z.string(),
  width: z.int(),
  height: z.int(),
  /** The request's seed; with `index` it names the image's noise stream. */
  seed: Seed,
  /** The image's position in the request (0 for the first). */
  index: z.int().nonnegative(),
});
export type GeneratedImage = z.infer<typeof GeneratedImage>;

export const GenerateResult = z.object({
  model: z.string(),
  images: z.array(GeneratedImage),
  bucket: z.string(),
  nativeWidth: z.int(),
  nativeHeight: z.int(),
  steps: z.int(),
  guidanceScale: z.number(),
  decoder: Decoder,
  scheduler: SchedulerName,
  /** Stage timings in milliseconds: queue, inference (text + denoise + decode), text, denoise, decode, encode, total. */
  timingsMs: z.record(z.string(), z.number()),
  /**
   * What the request consumed: `textTokens` the tokenizer gave the text encoder for the prompt
   * and the negative prompt (after truncation, without padding), `latentTokens` the latent cells
   * denoised over all images (n × width/8 × height/8 for an 8× VAE).
   */
  usage: z.object({ textTokens: z.int().nonnegative(), latentTokens: z.int().nonnegative() }),
});
export type GenerateResult = z.infer<typeof GenerateResult>;

/** What `generate` streams: queue position, per-step progress, then the result. */
export type GenerateEvent =
  | { type: "queued"; position: number }
  | {
      type: "progress";
      step: number;
      totalSteps: number;
      /** Base64 of the preview image (see `GenerateInput.previews`). */
      preview?: string;
      /** With counted previews: 0 for the first preview of the request, then 1, 2, …. */
      previewIndex?: number;
    }
  | { type: "completed"; result: GenerateResult };

export const RuntimeCaptionInput = z.strictObject({
  model: z.string().min(1),
  /** Base64 or a `data:image/…;base64,` URL. */
  image: z.string().min(1),
  detail: CaptionDetail.default("descriptive"),
  /** 1 is greedy decoding; more is beam search. */
  beams: z.int().min(1).max(8).default(1),
});
export type RuntimeCaptionInput = z.output<typeof RuntimeCaptionInput>;

export const RuntimeCaptionResult = z.object({
  model: z.string(),
  detail: CaptionDetail,
  caption: z.string(),
});
export type RuntimeCaptionResult = z.infer<typeof RuntimeCaptionResult>;

export const RuntimeUpsampleInput = z.strictObject({
  model: z.string().min(1),
  prompt: z.string().min(1).max(MAX_PROMPT_LENGTH),
  style: ImageStyle.optional(),
});
export type RuntimeUpsampleInput = z.output<typeof RuntimeUpsampleInput>;

export const RuntimeUpsampleResult = z.object({ model: z.string(), revisedPrompt: z.string() });
export type RuntimeUpsampleResult = z.infer<typeof RuntimeUpsampleResult>;

export const RuntimeScoreInput = z.strictObject({
  model: z.string().min(1),
  image: z.string().min(1),
  prompt: z.string().min(1).max(MAX_PROMPT_LENGTH),
});
export type RuntimeScoreInput = z.output<typeof RuntimeScoreInput>;

/** A 3×3 grid cell, named as the shapes world's captions name it. */
export const SceneGraphPosition = z.object({
  column: z.enum(["left", "centre", "right"]),
  row: z.enum(["top", "middle", "bottom"]),
});
export type SceneGraphPosition = z.infer<typeof SceneGraphPosition>;

/**
 * One object the judge read from the image. The words are the judge's vocabulary (the shapes
 * world's: e.g. shape `star`, colour `red`, size `small|medium|large`, texture
 * `plain|striped|dotted|checkered`); strings rather than enums so a judge with a larger
 * vocabulary does not change the protocol.
 */
export const SceneGraphObject = z.object({
  shape: z.string().min(1),
  colour: z.string().min(1),
  size: z.string().min(1),
  texture: z.string().min(1),
  position: SceneGraphPosition,
});
export type SceneGraphObject = z.infer<typeof SceneGraphObject>;

/** What the judge reads back from an image, objects in reading order (row, then column). */
export const SceneGraph = z.object({
  background: z.string().min(1),
  objects: z.array(SceneGraphObject),
});
export type SceneGraph = z.infer<typeof SceneGraph>;

/** A fraction in [0, 1], or `null` when the prompt states nothing this score could check. */
const CompBenchScore = z.number().min(0).max(1).nullable();

/**
 * T2I-CompBench-style scores of the prompt against the judge's scene graph:
 * - `colourBinding`: prompt objects with a colour for which an object of that shape has it;
 * - `shapeBinding`: prompt objects whose shape is present;
 * - `textureBinding`: prompt objects with a texture for which an object of that shape has it;
 * - `counting`: stated counts (all objects, and per shape) that match;
 * - `spatial`: stated relations (left of, right of, above, below) that hold between the grid
 *   cells of the named objects.
 */
export const CompBenchScores = z.object({
  colourBinding: CompBenchScore,
  shapeBinding: CompBenchScore,
  textureBinding: CompBenchScore,
  counting: CompBenchScore,
  spatial: CompBenchScore,
});
export type CompBenchScores = z.infer<typeof CompBenchScores>;

export const RuntimeScoreResult = z.object({
  model: z.string(),
  /**
   * Cosine similarity of the contrastive image and text embeddings, in [-1, 1]; `null` when
   * the model has no contrastive towers (the judge's scores need none).
   */
  similarity: z.number().nullable(),
  /** The scene graph the runtime's judge read from the image, independent of the generator. */
  sceneGraph: SceneGraph,
  scores: CompBenchScores,
});
export type RuntimeScoreResult = z.infer<typeof RuntimeScoreResult>;

/**
 * One image-to-image request (`edit`): the edge's `/v1/images/edits` and `/v1/images/variations`.
 * Images travel as base64 and are checked from their header before any decoding, as captions'.
 */
export const EditInput = GenerateInput.omit({ prompt: true, bucket: true }).extend({
  /** The image to edit (base64 or a `data:image/…;base64,` URL). */
  image: z.string().min(1),
  /** Fully transparent pixels (alpha 0) mark the region to edit; the image's own alpha without it. */
  mask: z.string().min(1).optional(),
  /** Further images (gpt-image's `image[]`): each one's short caption is appended to the prompt. */
  references: z.array(z.string().min(1)).max(15).default([]),
  /** Absent: the image's descriptive caption is the prompt (a variation). */
  prompt: z.string().min(1).max(MAX_PROMPT_LENGTH).optional(),
  /**
   * 0 keeps the image, 1 redraws it from pure noise. Absent: 1 inside an edit region (a mask,
   * or the image's transparent pixels: that region is replaced), else `DEFAULT_EDIT_STRENGTH`.
   */
  strength: z.number().min(0).max(1).optional(),
  /** Final image size; absent means the input image's own size. */
  outputSize: GenerateInput.shape.outputSize,
});
export type EditInput = z.output<typeof EditInput>;
export type EditInputIn = z.input<typeof EditInput>;

/** A generation's result plus the prompt the model saw (the caption, for a variation). */
export const EditResult = GenerateResult.extend({
  prompt: z.string(),
  strength: z.number(),
  /** Denoising steps actually run: `steps × strength`, rounded as diffusers' img2img does. */
  stepsRun: z.int().nonnegative(),
});
export type EditResult = z.infer<typeof EditResult>;

/** What `edit` streams: the same events as `generate`, ending in an {@link EditResult}. */
export type EditEvent =
  | Exclude<GenerateEvent, { type: "completed" }>
  | { type: "completed"; result: EditResult };
