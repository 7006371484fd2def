/**
 * OpenAI Images API fields that Limner refuses instead of silently ignoring.
 *
 * A client that sends `background: "transparent"` and gets an opaque image back has been lied
 * to; answering `unsupported_parameter` naming the field tells it at once (web-llm does the same
 * for the chat fields it lacks). Fields that OpenAI only accepts for `gpt-image-*` models live
 * here, because Limner implements the dall-e-3 surface.
 *
 * @module
 */

/** A map from request field to the reason it is refused, as {@link parseRequestBody} takes it. */
export type UnsupportedFields = Readonly<Record<string, string>>;

/**
 * Fields of `POST /v1/images/generations` that Limner does not support, each with the reason
 * quoted back to the client.
 */
export const UNSUPPORTED_IMAGE_FIELDS = Object.freeze({
  background: "transparent backgrounds are a gpt-image feature; Limner renders opaque images",
  moderation: "moderation levels are a gpt-image feature; Limner has no moderation model",
  output_compression:
    "output_compression is a gpt-image feature; Limner encodes with fixed settings per output_format",
  partial_images: "partial_images is a gpt-image feature; stream progress with 'stream' instead",
  input_fidelity: "input_fidelity applies to gpt-image edits; Limner has no edit endpoint",
  mask: "masks belong to image edits; Limner has no edit endpoint",
  image: "input images belong to image edits; Limner has no edit endpoint",
} as const) satisfies UnsupportedFields;
