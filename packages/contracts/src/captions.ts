/**
 * `POST /v1/images/captions` (a Limner extension): describe an image with the captioner.
 *
 * The two detail levels are the two fine-tuned captioner variants of the DALL-E 3 report:
 * "short" names the main subjects, "descriptive" covers objects, attributes, positions and
 * background.
 *
 * @module
 */
import { z } from "zod";

/** Which captioner variant to use. */
export const CaptionDetail = z.enum(["short", "descriptive"]);
/** One of the {@link CaptionDetail} values. */
export type CaptionDetail = z.infer<typeof CaptionDetail>;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DATA_URL = /^data:image\/[a-z0-9.+-]+;base64,([A-Za-z0-9+/]+={0,2})$/i;

/** True for bare base64 or a base64 `data:image/...` URL: the forms OpenAI accepts inline. */
function isInlineImage(value: string): boolean {
  return BASE64.test(value) || DATA_URL.test(value);
}

/** An image sent in a JSON body: base64, or a `data:image/…;base64,` URL. */
export const InlineImage = z.string().refine(isInlineImage, {
  error: "expected base64 image data or a 'data:image/...;base64,' URL",
});

/**
 * The body of `POST /v1/images/captions`.
 *
 * @example
 * ```ts
 * CaptionRequest.parse({ image: "data:image/png;base64,iVBORw0KGgo=" }).detail; // "descriptive"
 * ```
 */
export const CaptionRequest = z.strictObject({
  image: InlineImage,
  detail: CaptionDetail.default("descriptive"),
  model: z.string().min(1).optional(),
});
/** What a client may send. */
export type CaptionRequestInput = z.input<typeof CaptionRequest>;
/** A validated caption request. */
export type CaptionRequest = z.output<typeof CaptionRequest>;

/** The caption, echoing the detail level and the model that wrote it. */
export const CaptionResponse = z.object({
  caption: z.string(),
  detail: CaptionDetail,
  model: z.string(),
});
/** The parsed shape of {@link CaptionResponse}. */
export type CaptionResponse = z.infer<typeof CaptionResponse>;
