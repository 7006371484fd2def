/**
 * `POST /v1/images/generations` with a gpt-image model (`gpt-image-1` and its family), and the
 * one parser that picks a request surface from `model` and validates the body against it, as
 * OpenAI validates fields per model family.
 *
 * Field names, values and defaults follow openai-node's `ImageGenerateParams` for gpt-image:
 * sizes `1024x1024` / `1536x1024` / `1024x1536` / `auto`, quality `low|medium|high|auto`,
 * `background`, `moderation`, `output_format`, `output_compression`, `partial_images`, always
 * `b64_json`. Limner's extensions (seed, steps, ...) are accepted on both surfaces.
 *
 * @module
 */
import { z } from "zod";
import { GptImageSize } from "./buckets";
import {
  ImageGenerationRequest,
  imageModelFamily,
  limnerGenerationFields,
  MAX_PROMPT_LENGTH,
  OutputFormat,
} from "./images";
import {
  TRANSPARENT_BACKGROUND_REASON,
  UNSUPPORTED_GPT_IMAGE_FIELDS,
  UNSUPPORTED_IMAGE_FIELDS,
} from "./unsupported-fields";
import { type ParseResult, parseFailure, parseRequestBody } from "./validation";

/** gpt-image's `quality`; Limner maps it to denoising steps and decoder (docs/edge.md). */
export const GptImageQuality = z.enum(["low", "medium", "high", "auto"]);
/** One of the {@link GptImageQuality} values. */
export type GptImageQuality = z.infer<typeof GptImageQuality>;

/**
 * gpt-image's `background`. Limner's images are always opaque, so `auto` is answered opaque;
 * `transparent` is refused by name before the schema runs ({@link parseImageGenerationRequest}).
 */
export const ImageBackground = z.enum(["opaque", "auto"]);
/** One of the {@link ImageBackground} values. */
export type ImageBackground = z.infer<typeof ImageBackground>;

/**
 * gpt-image's `moderation`. Limner runs no moderation model on any request, which is what
 * `low` ("less restrictive filtering") asks for and what `auto` (the deployment's default)
 * means here; both are accepted and change nothing (documented in docs/edge.md).
 */
export const ImageModeration = z.enum(["auto", "low"]);
/** One of the {@link ImageModeration} values. */
export type ImageModeration = z.infer<typeof ImageModeration>;

/** OpenAI's limit on `partial_images` ("Value must be between 0 and 3"). */
export const MAX_PARTIAL_IMAGES = 3;

/**
 * The body of `POST /v1/images/generations` when `model` is a gpt-image model.
 *
 * @example
 * ```ts
 * const request = GptImageGenerationRequest.parse({ model: "gpt-image-1", prompt: "a red square" });
 * request.size; // "auto"
 * ```
 */
export const GptImageGenerationRequest = z.strictObject({
  // --- OpenAI gpt-image fields ---
  // Limner's text encoders read far fewer tokens than 4000 characters, so the dall-e-3 limit
  // (not gpt-image's 32000) applies: a longer prompt is refused rather than silently cut.
  prompt: z.string().min(1).max(MAX_PROMPT_LENGTH),
  model: z.string().min(1),
  n: z.int().min(1).max(4).default(1),
  size: GptImageSize.default("auto"),
  quality: GptImageQuality.default("auto"),
  background: ImageBackground.default("auto"),
  moderation: ImageModeration.default("auto"),
  output_format: OutputFormat.default("png"),
  /** 0–100 for `jpeg` / `webp` (OpenAI's default 100); refused with `png`. */
  output_compression: z.int().min(0).max(100).optional(),
  /** Previews sent as `image_generation.partial_image` events when `stream` is true. */
  partial_images: z.int().min(0).max(MAX_PARTIAL_IMAGES).default(0),
  stream: z.boolean().default(false),
  user: z.string().max(256).optional(),
  /** OpenAI's successor of `user`; like `user`, only recorded. */
  safety_identifier: z.string().max(256).optional(),
  // --- Limner extensions ---
  ...limnerGenerationFields,
});
/** What a client may send to the gpt-image surface. */
export type GptImageGenerationRequestInput = z.input<typeof GptImageGenerationRequest>;
/** A validated gpt-image request with every default filled in. */
export type GptImageGenerationRequest = z.output<typeof GptImageGenerationRequest>;

/** A validated request of either surface; tell them apart with {@link isGptImageRequest}. */
export type AnyImageGenerationRequest = ImageGenerationRequest | GptImageGenerationRequest;

/** Whether `request` came in on the gpt-image surface. */
export function isGptImageRequest(
  request: AnyImageGenerationRequest,
): request is GptImageGenerationRequest {
  return imageModelFamily(request.model) === "gpt-image";
}

/**
 * Validates a generation body against the surface its `model` names, with that surface's
 * refusals: gpt-image rejects `response_format` and `style`, dall-e-3 rejects the gpt-image
 * fields, both by name (`unsupported_parameter`). Beyond the schemas: `background:
 * "transparent"` and `output_compression` with `png` are refused naming the field.
 *
 * @example
 * ```ts
 * const result = parseImageGenerationRequest({ model: "gpt-image-1", prompt: "p", style: "vivid" });
 * result.ok; // false: unsupported_parameter, param "style"
 * ```
 */
export function parseImageGenerationRequest(body: unknown): ParseResult<AnyImageGenerationRequest> {
  const model = fieldOf(body, "model");
  if (imageModelFamily(typeof model === "string" ? model : undefined) === "dall-e") {
    return parseRequestBody(ImageGenerationRequest, body, {
      unsupported: UNSUPPORTED_IMAGE_FIELDS,
    });
  }
  if (fieldOf(body, "background") === "transparent") {
    return parseFailure(
      "unsupported_parameter",
      `Unsupported value: 'background' does not support 'transparent' in Limner: ${TRANSPARENT_BACKGROUND_REASON}.`,
      "background",
    );
  }
  const result = parseRequestBody(GptImageGenerationRequest, body, {
    unsupported: UNSUPPORTED_GPT_IMAGE_FIELDS,
  });
  if (result.ok && result.data.output_compression !== undefined) {
    if (result.data.output_format === "png") {
      return parseFailure(
        "unsupported_parameter",
        "Unsupported parameter: 'output_compression' applies to 'jpeg' and 'webp' output only; PNG is lossless.",
        "output_compression",
      );
    }
  }
  return result;
}

/** `body[name]` when `body` is an object that has it, before any schema has vouched for it. */
function fieldOf(body: unknown, name: string): unknown {
  return typeof body === "object" && body !== null && Object.hasOwn(body, name)
    ? Reflect.get(body, name)
    : undefined;
}
