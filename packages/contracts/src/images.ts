/**
 * `POST /v1/images/generations`: OpenAI's dall-e-3 request and the response both surfaces
 * share, plus Limner's extensions. gpt-image's request is in `gpt-image-request.ts`.
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

/** OpenAI's dall-e-3 model id: its request surface is {@link ImageGenerationRequest}. */
export const DALL_E_MODEL_ALIASES: readonly string[] = Object.freeze(["dall-e-3"]);

/**
 * OpenAI's GPT image model ids, every one openai-node's `ImageModel` lists (v7.60): their
 * request surface is `GptImageGenerationRequest` (`gpt-image-request.ts`). The fields only
 * some of them take (arbitrary sizes, `xhigh` / `max` quality, GIF and SVG output) are not
 * offered.
 */
export const GPT_IMAGE_MODEL_ALIASES: readonly string[] = Object.freeze([
  "gpt-image-1",
  "gpt-image-1-mini",
  "gpt-image-1.5",
  "gpt-image-2",
  "gpt-image-2-2026-04-21",
  "gpt-image-2.5-sunburst",
  "gpt-image-2.5-sunburst-2026-09-08",
  "gpt-image-2.5-flare",
  "gpt-image-2.5-flare-2026-09-08",
  "gpt-image-2.6-sunburst",
  "gpt-image-2.6-flare",
  "chatgpt-image-latest",
]);

/**
 * Model ids accepted as aliases of the deployment's default model. Clients such as LibreChat
 * and open-webui hard-code `dall-e-3` or `gpt-image-1`; the edge resolves these to its default
 * model instead of answering `model_not_found`, and the schema keeps the name as sent so that
 * mapping lives in one place at the edge.
 */
export const IMAGE_MODEL_ALIASES: readonly string[] = Object.freeze([
  ...DALL_E_MODEL_ALIASES,
  ...GPT_IMAGE_MODEL_ALIASES,
]);

/**
 * Which OpenAI request surface a `model` speaks: gpt-image's for its aliases, dall-e-3's for
 * everything else (no model, `dall-e-3`, and Limner's own model ids, which predate gpt-image).
 */
export type ImageModelFamily = "dall-e" | "gpt-image";

/** The {@link ImageModelFamily} of a request's `model` field. */
export function imageModelFamily(model: string | undefined): ImageModelFamily {
  return model !== undefined && GPT_IMAGE_MODEL_ALIASES.includes(model) ? "gpt-image" : "dall-e";
}

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
 * Limner's extensions, accepted by both request surfaces (dall-e-3's and gpt-image's).
 */
export const limnerGenerationFields = {
  /** Same seed and parameters give the same image bytes on CPU; omitted means random. */
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
};

/**
 * The body of `POST /v1/images/generations` for dall-e-3 (and Limner's own model ids).
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
  ...limnerGenerationFields,
  /** Stream progress as server-sent events before the final result. */
  stream: z.boolean().default(false),
  output_format: OutputFormat.default("png"),
});
/** What a client may send: defaulted fields are optional. */
export type ImageGenerationRequestInput = z.input<typeof ImageGenerationRequest>;
/** A validated request with every default filled in. */
export type ImageGenerationRequest = z.output<typeof ImageGenerationRequest>;

/**
 * gpt-image's token accounting (openai-node `ImagesResponse.Usage`). Limner counts text tokens
 * with the model's own tokenizer (what the text encoder read, after truncation, for the prompt
 * and any negative prompt) and output tokens as the latent cells denoised (bucket width/8 ×
 * height/8 per image): the diffusion model's counterpart of gpt-image's image tokens.
 */
export const ImageUsage = z.object({
  input_tokens: z.int().nonnegative(),
  input_tokens_details: z.object({
    text_tokens: z.int().nonnegative(),
    image_tokens: z.int().nonnegative(),
  }),
  output_tokens: z.int().nonnegative(),
  total_tokens: z.int().nonnegative(),
});
/** The parsed shape of {@link ImageUsage}. */
export type ImageUsage = z.infer<typeof ImageUsage>;

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
  /**
   * Per image, in `data` order: the request seed and the image's index in the request. Image
   * `index` of seed `seed` draws from its own noise stream keyed by both, so it is reproduced by
   * the same seed with `n > index`, and image 0 by the same seed with `n = 1`.
   */
  images: z.array(z.object({ seed: z.int().min(0), index: z.int().min(0) })).optional(),
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
  // gpt-image's response fields (openai-node `ImagesResponse`): the settings actually used.
  background: z.enum(["transparent", "opaque"]).optional(),
  output_format: OutputFormat.optional(),
  quality: z.enum(["low", "medium", "high"]).optional(),
  size: z.enum(["1024x1024", "1024x1536", "1536x1024"]).optional(),
  usage: ImageUsage.optional(),
  limner: ImageGenerationMetadata.optional(),
});
/** The parsed shape of {@link ImageGenerationResponse}. */
export type ImageGenerationResponse = z.infer<typeof ImageGenerationResponse>;
