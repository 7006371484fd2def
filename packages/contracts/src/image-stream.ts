/**
 * The server-sent events of `POST /v1/images/generations` with `stream: true`.
 *
 * The image events use gpt-image's names and fields (OpenAI API reference, "Image generation
 * streaming events": `image_generation.partial_image`, `image_generation.completed`), so
 * clients written for OpenAI's stream read them unchanged; Limner adds `limner.queued` and
 * `limner.progress`, which OpenAI clients skip as unknown types. Each SSE `event:` name equals
 * the payload's `type`. A failure after the stream has started arrives as an `error` event
 * whose data is OpenAI's error envelope (the status line is long gone by then).
 *
 * @module
 */
import { z } from "zod";
import { ImageBackground } from "./gpt-image-request";
import { ImageGenerationMetadata, ImageUsage, OutputFormat } from "./images";

/** The request is waiting behind `position` others on the runtime. */
export const ImageQueuedEvent = z.object({
  type: z.literal("limner.queued"),
  position: z.int().nonnegative(),
});
/** The parsed shape of {@link ImageQueuedEvent}. */
export type ImageQueuedEvent = z.infer<typeof ImageQueuedEvent>;

/** One denoising step done out of `total_steps`. */
export const ImageProgressEvent = z.object({
  type: z.literal("limner.progress"),
  step: z.int().nonnegative(),
  total_steps: z.int().positive(),
});
/** The parsed shape of {@link ImageProgressEvent}. */
export type ImageProgressEvent = z.infer<typeof ImageProgressEvent>;

// The fields OpenAI puts on both image events, echoing the request (dall-e-3's or gpt-image's
// values); the images themselves are always opaque.
const imageEventFields = {
  created_at: z.int(),
  size: z.enum(["1024x1024", "1792x1024", "1024x1792", "1536x1024", "1024x1536", "auto"]),
  quality: z.enum(["standard", "hd", "low", "medium", "high", "auto"]),
  background: ImageBackground,
  output_format: OutputFormat,
};

/**
 * A preview of the image while it is being denoised: the decoded estimate of the clean image at
 * one step, at the requested size and `output_format`. A gpt-image request asks for
 * `partial_images` of them, numbered from 0 by `partial_image_index`.
 */
export const ImagePartialImageEvent = z.object({
  type: z.literal("image_generation.partial_image"),
  b64_json: z.string(),
  partial_image_index: z.int().nonnegative(),
  ...imageEventFields,
});
/** The parsed shape of {@link ImagePartialImageEvent}. */
export type ImagePartialImageEvent = z.infer<typeof ImagePartialImageEvent>;

/**
 * One finished image (one event per image when `n > 1`). Per `response_format` it carries
 * `b64_json` (as OpenAI's) or Limner's signed `url`, plus `revised_prompt` and Limner's metadata.
 */
export const ImageCompletedEvent = z.object({
  type: z.literal("image_generation.completed"),
  b64_json: z.string().optional(),
  url: z.string().optional(),
  revised_prompt: z.string().optional(),
  ...imageEventFields,
  /** gpt-image requests only, as OpenAI sends it: the whole request's token usage. */
  usage: ImageUsage.optional(),
  limner: ImageGenerationMetadata.optional(),
});
/** The parsed shape of {@link ImageCompletedEvent}. */
export type ImageCompletedEvent = z.infer<typeof ImageCompletedEvent>;

/** Every event a generation stream carries, discriminated by `type`. */
export const ImageGenerationStreamEvent = z.discriminatedUnion("type", [
  ImageQueuedEvent,
  ImageProgressEvent,
  ImagePartialImageEvent,
  ImageCompletedEvent,
]);
/** The parsed shape of {@link ImageGenerationStreamEvent}. */
export type ImageGenerationStreamEvent = z.infer<typeof ImageGenerationStreamEvent>;

/** The SSE `event:` names, one per member of the union. */
export const IMAGE_STREAM_EVENT_TYPES = Object.freeze({
  queued: "limner.queued",
  progress: "limner.progress",
  partialImage: "image_generation.partial_image",
  completed: "image_generation.completed",
} as const satisfies Record<string, ImageGenerationStreamEvent["type"]>);

/** The SSE `event:` name of a failure after the stream started; its data is an error envelope. */
export const IMAGE_STREAM_ERROR_EVENT = "error";
