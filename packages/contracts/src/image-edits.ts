/**
 * `POST /v1/images/edits` and `POST /v1/images/variations`: OpenAI's multipart requests
 * (openai-node's `ImageEditParams` / `ImageCreateVariationParams`) plus Limner's extensions.
 *
 * Both are multipart forms, so every field arrives as a string; the edge turns the form's text
 * fields into an object (`image`, `image[]` and `mask` are files and travel separately) and
 * these schemas coerce numbers and booleans written as text (`n=2`, `stream=true`). Unknown
 * fields are refused (`unknown_parameter`) and the fields Limner cannot honour are refused by
 * name (`unsupported_parameter`), as for generations.
 *
 * Semantics (docs/edge.md):
 * - the first image is the one edited; further `image[]` entries are references: each is
 *   captioned and its short caption is appended to the prompt;
 * - `mask`: a PNG whose fully transparent pixels (alpha 0) mark where to edit; without a mask,
 *   the image's own fully transparent pixels do, and an image without any is edited whole;
 * - outside the edit region the answer keeps the input's pixels;
 * - `strength` (0–1) is how far the image is noised before denoising with the prompt.
 *
 * @module
 */
import { z } from "zod";
import { ImageProgressEvent, ImageQueuedEvent } from "./image-stream";
import { Decoder, MAX_PROMPT_LENGTH, OutputFormat, ResponseFormat } from "./images";
import type { UnsupportedFields } from "./unsupported-fields";

/** Form fields are text: numeric text becomes a number, anything else is left to fail. */
const formNumber = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    (value) =>
      typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))
        ? Number(value)
        : value,
    schema,
  );

/** `true` / `false` as text (how openai-node writes booleans into a form) become booleans. */
const formBoolean = z.preprocess(
  (value) => (value === "true" ? true : value === "false" ? false : value),
  z.boolean(),
);

/**
 * The sizes OpenAI's edits accept. `auto` (the default) answers at the input image's own size,
 * so the kept region is the input's pixels exactly; any other size is rendered at the model
 * bucket of that aspect ratio and resized.
 */
export const ImageEditSize = z.enum([
  "256x256",
  "512x512",
  "1024x1024",
  "1536x1024",
  "1024x1536",
  "auto",
]);
/** One of the {@link ImageEditSize} values. */
export type ImageEditSize = z.infer<typeof ImageEditSize>;

/** OpenAI's edit `quality`: `low` halves the steps, `high` is dall-e-3's `hd`. */
export const ImageEditQuality = z.enum(["standard", "low", "medium", "high", "auto"]);
/** One of the {@link ImageEditQuality} values. */
export type ImageEditQuality = z.infer<typeof ImageEditQuality>;

/** How much an edit changes by default: enough to redraw, little enough to keep the layout. */
export const DEFAULT_EDIT_STRENGTH = 0.8;
/** `input_fidelity: "high"` keeps more of the input: a lower default strength. */
export const HIGH_FIDELITY_EDIT_STRENGTH = 0.5;
/** A variation keeps the composition and redraws the details. */
export const DEFAULT_VARIATION_STRENGTH = 0.7;
/** OpenAI accepts up to 16 images for gpt-image edits. */
export const MAX_EDIT_IMAGES = 16;

const Seed = z
  .int()
  .min(0)
  .max(2 ** 32 - 1);

/** Limner's extensions, shared by edits and variations. */
const limnerFields = {
  /** Same seed, image and parameters give the same bytes on CPU; omitted means random. */
  seed: formNumber(Seed).optional(),
  /** 0 keeps the image, 1 redraws it from noise; see {@link DEFAULT_EDIT_STRENGTH}. */
  strength: formNumber(z.number().min(0).max(1)).optional(),
  steps: formNumber(z.int().min(1).max(100)).optional(),
  guidance_scale: formNumber(z.number().min(0).max(30)).optional(),
  negative_prompt: z.string().max(MAX_PROMPT_LENGTH).optional(),
  decoder: Decoder.optional(),
  output_format: OutputFormat.default("png"),
  /** Encoder quality 0–100 for `jpeg` / `webp`, as gpt-image's. */
  output_compression: formNumber(z.int().min(0).max(100)).optional(),
};

/**
 * The text fields of `POST /v1/images/edits` (the files `image` / `image[]` and `mask` are
 * read from the form separately).
 *
 * @example
 * ```ts
 * const request = ImageEditRequest.parse({ prompt: "a blue circle", n: "2" });
 * request.n; // 2
 * request.size; // "auto"
 * ```
 */
export const ImageEditRequest = z.strictObject({
  // --- OpenAI fields ---
  prompt: z.string().min(1).max(MAX_PROMPT_LENGTH),
  model: z.string().min(1).optional(),
  n: formNumber(z.int().min(1).max(4)).default(1),
  size: ImageEditSize.default("auto"),
  response_format: ResponseFormat.default("url"),
  user: z.string().max(256).optional(),
  /** Server-sent events: `image_edit.partial_image` previews, then `image_edit.completed`. */
  stream: formBoolean.default(false),
  /** Previews sent while streaming (gpt-image's 0–3). */
  partial_images: formNumber(z.int().min(0).max(3)).default(0),
  quality: ImageEditQuality.default("auto"),
  // No `transparent`: the model renders opaque images, so it is refused (invalid_value).
  background: z.enum(["opaque", "auto"]).default("auto"),
  /** `high` lowers the default strength (more of the input survives). */
  input_fidelity: z.enum(["high", "low"]).optional(),
  ...limnerFields,
});
/** What a client may send (as form text). */
export type ImageEditRequestInput = z.input<typeof ImageEditRequest>;
/** A validated edit request with every default filled in. */
export type ImageEditRequest = z.output<typeof ImageEditRequest>;

/**
 * The text fields of `POST /v1/images/variations` (the file `image` is read separately).
 * The runtime captions the image and redraws it from that caption at `strength`.
 */
export const ImageVariationRequest = z.strictObject({
  model: z.string().min(1).optional(),
  n: formNumber(z.int().min(1).max(4)).default(1),
  size: ImageEditSize.default("auto"),
  response_format: ResponseFormat.default("url"),
  user: z.string().max(256).optional(),
  ...limnerFields,
});
/** What a client may send (as form text). */
export type ImageVariationRequestInput = z.input<typeof ImageVariationRequest>;
/** A validated variation request with every default filled in. */
export type ImageVariationRequest = z.output<typeof ImageVariationRequest>;

/** Edit fields Limner refuses by name instead of ignoring. */
export const UNSUPPORTED_EDIT_FIELDS = Object.freeze({
  moderation: "moderation levels are a gpt-image feature; Limner has no moderation model",
  upsample: "edit prompts are used verbatim; there is no prompt upsampling for edits",
} as const) satisfies UnsupportedFields;

/** Variation fields Limner refuses by name (OpenAI's variations take no prompt either). */
export const UNSUPPORTED_VARIATION_FIELDS = Object.freeze({
  prompt: "variations take no prompt; use POST /v1/images/edits to steer with a prompt",
  mask: "variations take no mask; use POST /v1/images/edits to edit a region",
  stream: "variations do not stream; use POST /v1/images/edits with stream=true",
} as const) satisfies UnsupportedFields;

/**
 * The server-sent events of `POST /v1/images/edits` with `stream: true`: OpenAI's edit events
 * (openai-node `ImageEditStreamEvent`), preceded by Limner's `limner.queued` / `limner.progress`
 * (the generation stream's, which OpenAI clients skip). A failure after the stream started is an
 * `error` event carrying the error envelope, as for generations.
 */
export const IMAGE_EDIT_STREAM_EVENT_TYPES = Object.freeze({
  partialImage: "image_edit.partial_image",
  completed: "image_edit.completed",
} as const);

const editEventFields = {
  b64_json: z.string(),
  created_at: z.int(),
  size: ImageEditSize,
  quality: ImageEditQuality,
  background: z.literal("opaque"),
  output_format: OutputFormat,
};

/** A preview of the edit while it is denoised (`partial_images` of them). */
export const ImageEditPartialImageEvent = z.object({
  type: z.literal(IMAGE_EDIT_STREAM_EVENT_TYPES.partialImage),
  partial_image_index: z.int().nonnegative(),
  ...editEventFields,
});
/** The parsed shape of {@link ImageEditPartialImageEvent}. */
export type ImageEditPartialImageEvent = z.infer<typeof ImageEditPartialImageEvent>;

/**
 * One finished image (one event per image when `n > 1`), always as `b64_json` (as OpenAI's);
 * Limner adds the signed `url` when `response_format` is `url`.
 */
export const ImageEditCompletedEvent = z.object({
  type: z.literal(IMAGE_EDIT_STREAM_EVENT_TYPES.completed),
  ...editEventFields,
  url: z.string().optional(),
  revised_prompt: z.string().optional(),
  usage: z
    .object({
      input_tokens: z.int().nonnegative(),
      input_tokens_details: z.object({
        text_tokens: z.int().nonnegative(),
        image_tokens: z.int().nonnegative(),
      }),
      output_tokens: z.int().nonnegative(),
      total_tokens: z.int().nonnegative(),
    })
    .optional(),
});
/** The parsed shape of {@link ImageEditCompletedEvent}. */
export type ImageEditCompletedEvent = z.infer<typeof ImageEditCompletedEvent>;

/** Every event an edit stream carries, discriminated by `type`. */
export const ImageEditStreamEvent = z.discriminatedUnion("type", [
  ImageQueuedEvent,
  ImageProgressEvent,
  ImageEditPartialImageEvent,
  ImageEditCompletedEvent,
]);
/** The parsed shape of {@link ImageEditStreamEvent}. */
export type ImageEditStreamEvent = z.infer<typeof ImageEditStreamEvent>;
