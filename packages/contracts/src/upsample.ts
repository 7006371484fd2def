/**
 * `POST /v1/prompts/upsample` (a Limner extension): rewrite a short prompt into the
 * descriptive-caption style the image model was trained on, as DALL-E 3 does before every
 * generation, without generating an image.
 *
 * @module
 */
import { z } from "zod";
import { ImageStyle, MAX_PROMPT_LENGTH } from "./images";

/**
 * Who rewrote the prompt: the runtime's learned upsampler (`model`), an OpenAI-compatible chat
 * endpoint (`llm`), or nobody (`off`, the prompt is returned unchanged).
 */
export const UpsampleStrategy = z.enum(["model", "llm", "off"]);
/** One of the {@link UpsampleStrategy} values. */
export type UpsampleStrategy = z.infer<typeof UpsampleStrategy>;

/**
 * The body of `POST /v1/prompts/upsample`.
 *
 * @example
 * ```ts
 * UpsampleRequest.parse({ prompt: "a cat", style: "natural" });
 * ```
 */
export const UpsampleRequest = z.strictObject({
  prompt: z.string().min(1).max(MAX_PROMPT_LENGTH),
  style: ImageStyle.optional(),
  model: z.string().min(1).optional(),
});
/** What a client may send. */
export type UpsampleRequestInput = z.input<typeof UpsampleRequest>;
/** A validated upsample request. */
export type UpsampleRequest = z.output<typeof UpsampleRequest>;

/** The original prompt, its rewrite, and which strategy produced it. */
export const UpsampleResponse = z.object({
  prompt: z.string(),
  revised_prompt: z.string(),
  strategy: UpsampleStrategy,
});
/** The parsed shape of {@link UpsampleResponse}. */
export type UpsampleResponse = z.infer<typeof UpsampleResponse>;
