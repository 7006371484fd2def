/**
 * OpenAI Images API fields that Limner refuses instead of silently ignoring, per request
 * surface (OpenAI validates fields per model family, and so does Limner).
 *
 * A client that sends `background: "transparent"` and gets an opaque image back has been lied
 * to; answering `unsupported_parameter` naming the field tells it at once (web-llm does the same
 * for the chat fields it lacks). A field of the other family is refused the way OpenAI refuses
 * it, with the model to use instead.
 *
 * @module
 */

/** A map from request field to the reason it is refused, as {@link parseRequestBody} takes it. */
export type UnsupportedFields = Readonly<Record<string, string>>;

// Fields of the edit endpoints, never of a generation.
const EDIT_FIELDS = {
  input_fidelity: "input_fidelity applies to image edits (POST /v1/images/edits)",
  mask: "masks belong to image edits (POST /v1/images/edits)",
  image: "input images belong to image edits (POST /v1/images/edits)",
} as const;

/**
 * Fields of `POST /v1/images/generations` that the dall-e-3 surface (no model, `dall-e-3`, or a
 * Limner model id) refuses, each with the reason quoted back to the client.
 */
export const UNSUPPORTED_IMAGE_FIELDS = Object.freeze({
  background: "background is a gpt-image parameter; send model 'gpt-image-1' to use it",
  moderation: "moderation is a gpt-image parameter; send model 'gpt-image-1' to use it",
  output_compression:
    "output_compression is a gpt-image parameter; send model 'gpt-image-1' to use it",
  partial_images: "partial_images is a gpt-image parameter; send model 'gpt-image-1' to use it",
  ...EDIT_FIELDS,
} as const) satisfies UnsupportedFields;

/**
 * Fields of `POST /v1/images/generations` that the gpt-image surface (`gpt-image-1` and its
 * family) refuses, as OpenAI does for those models.
 */
export const UNSUPPORTED_GPT_IMAGE_FIELDS = Object.freeze({
  response_format:
    "gpt-image models always return b64_json; send model 'dall-e-3' for response_format",
  style: "style is a dall-e-3 parameter; send model 'dall-e-3' to use it",
  complexity: "Limner's models have no planning stage for complexity to steer",
  frame_count: "Limner generates still images only (no GIF output)",
  frame_duration_ms: "Limner generates still images only (no GIF output)",
  svg: "Limner generates raster images only (no SVG output)",
  ...EDIT_FIELDS,
} as const) satisfies UnsupportedFields;

/** Why `background: "transparent"` is refused (the one value of an accepted field that is). */
export const TRANSPARENT_BACKGROUND_REASON =
  "transparent backgrounds need an alpha channel, which Limner's models do not generate; use 'opaque' or 'auto'";
