/**
 * `POST /v1/images/generations`: OpenAI's dall-e-3 request and response, plus Limner's
 * extensions.
 *
 * Field names, bounds and defaults follow the OpenAI API reference for `images/create` with
 * `model: "dall-e-3"`, so the official clients work unchanged. The request is strict: unknown
 * fields are rejected (`unknown_parameter`) rather than ignored, as OpenAI does.
 *
 * @module
 */
import { z } from "zod";
import { ImageSize } from "./buckets";

/** The model a request gets when it names none. */
export const DEFAULT_IMAGE_MODEL = "limner-mini";

/**
 * Model ids accepted as aliases of the deployment's default model. Clients such as LibreChat
 * and open-webui hard-code `dall-e-3`; the edge resolves these to its default model instead of
 * answering `model_not_found`, and the schema keeps the name as sent so that mapping lives in
 * one place at the edge.
 */
export const IMAGE_MODEL_ALIASES: readonly string[] = Object.freeze(["dall-e-3"]);

/** dall-e-3's `quality`: `hd` spends more compute (Limner: more denoising steps). */
export const ImageQuality = z.enum(["standard", "hd"]);
/** One of the {@link ImageQuality} values. */
export type ImageQuality = z.infer<typeof ImageQuality>;

/** dall-e-3's `style`, which also steers prompt upsampling. */
export const ImageStyle = z.enum(["vivid", "natural"]);
/** One of the {@link ImageStyle} values. */
export type ImageStyle = z.infer<typeof ImageStyle>;

/** How images come back: a signed URL (valid 60 minutes, as OpenAI's) or inline base64. */
export const ResponseFormat = z.enum(["url", "b64_json"]);
/** One of the {@link ResponseFormat} values. */
export type ResponseFormat = z.infer<typeof ResponseFormat>;

/** The encoded image format (same values as OpenAI's gpt-image `output_format`). */
export const OutputFormat = z.enum(["png", "jpeg", "webp"]);
/** One of the {@link OutputFormat} values. */
export type OutputFormat = z.infer<typeof OutputFormat>;

/** Latent decoder: the VAE, or the 2-step consistency-distilled decoder of the DALL-E 3 report. */
export const Decoder = z.enum(["vae", "consistency"]);
/** One of the {@link Decoder} values. */
export type Decoder = z.infer<typeof Decoder>;

/** dall-e-3's prompt limit (OpenAI API reference: "maximum length is 4000 characters"). */
export const MAX_PROMPT_LENGTH = 4000;

/**
 * The body of `POST /v1/images/generations`.
 *
 * @example
 * ```ts
 * const request = ImageGenerationRequest.parse({ prompt: "a red square", size: "1792x1024" });
 * request.n; // 1
 * ```
 */
export const ImageGenerationRequest = z.strictObject({
  // --- OpenAI dall-e-3 fields ---
  prompt: z.string().min(1).max(MAX_PROMPT_LENGTH),
  // Absent means the deployment's default model (limner-mini unless configured otherwise),
  // which only the edge knows; so no default is filled in here.
  model: z.string().min(1).optional(),
  // dall-e-3 itself only allows n=1; Limner batches small images cheaply, so it allows a few.
  n: z.int().min(1).max(4).default(1),
  size: ImageSize.default("1024x1024"),
  quality: ImageQuality.default("standard"),
  style: ImageStyle.default("vivid"),
  response_format: ResponseFormat.default("url"),
  // OpenAI: an end-user id for abuse monitoring; Limner logs it with the request.
  user: z.string().max(256).optional(),

  // --- Limner extensions ---
  /** Same seed and parameters give the same PNG bytes on CPU; omitted means random. */
  seed: z
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .optional(),
  negative_prompt: z.string().max(MAX_PROMPT_LENGTH).optional(),
  steps: z.int().min(1).max(100).optional(),
  /** Classifier-free guidance scale; omitted means the model manifest's default. */
  guidance_scale: z.number().min(0).max(30).optional(),
  decoder: Decoder.optional(),
  /** `false` sends the prompt to the model verbatim (no prompt upsampling). */
  upsample: z.boolean().optional(),
  /** Stream progress as server-sent events before the final result. */
  stream: z.boolean().default(false),
  output_format: OutputFormat.default("png"),
});
/** What a client may send: defaulted fields are optional. */
export type ImageGenerationRequestInput = z.input<typeof ImageGenerationRequest>;
/** A validated request with every default filled in. */
export type ImageGenerationRequest = z.output<typeof ImageGenerationRequest>;

/**
 * One generated image. Exactly one of `url` / `b64_json` is set, per `response_format`;
 * `revised_prompt` is the upsampled prompt the model actually saw (as dall-e-3 returns it).
 */
export const ImageData = z.object({
  url: z.string().optional(),
  b64_json: z.string().optional(),
  revised_prompt: z.string().optional(),
});
/** The parsed shape of {@link ImageData}. */
export type ImageData = z.infer<typeof ImageData>;

/**
 * Limner-only facts about a generation, under one `limner` key so OpenAI clients ignore it:
 * the seed needed to reproduce the batch, the model that served it, the native bucket it was
 * rendered at before upscaling (`"<width>x<height>"`), and optional per-stage timings.
 */
export const ImageGenerationMetadata = z.object({
  seed: z.int().min(0),
  model: z.string(),
  native_size: z.string().regex(/^\d+x\d+$/),
  timings_ms: z.record(z.string(), z.number().nonnegative()).optional(),
});
/** The parsed shape of {@link ImageGenerationMetadata}. */
export type ImageGenerationMetadata = z.infer<typeof ImageGenerationMetadata>;

/**
 * The response of `POST /v1/images/generations`: OpenAI's `{ created, data }` (`created` in
 * Unix seconds) plus the optional {@link ImageGenerationMetadata}.
 */
export const ImageGenerationResponse = z.object({
  created: z.int(),
  data: z.array(ImageData),
  limner: ImageGenerationMetadata.optional(),
});
/** The parsed shape of {@link ImageGenerationResponse}. */
export type ImageGenerationResponse = z.infer<typeof ImageGenerationResponse>;
