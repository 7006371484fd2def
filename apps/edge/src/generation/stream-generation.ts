/**
 * One generation as a sequence of the contracts' `ImageGenerationStreamEvent`s, handed to
 * `send` as they happen: the SSE route (`routes/images.ts`) writes them as server-sent events,
 * the tRPC router (`trpc/edge-router.ts`) yields them from a streamed mutation.
 *
 * A gpt-image request with `partial_images: k` asks the runtime for exactly k previews, spread
 * over the denoising steps (decoded estimates of the finished image, in the requested size and
 * `output_format`), sent as `image_generation.partial_image` events numbered from 0; then one
 * `image_generation.completed` per image, with `usage` as OpenAI sends it.
 *
 * @module
 */
import {
  type AnyImageGenerationRequest,
  IMAGE_STREAM_EVENT_TYPES,
  type ImageGenerationStreamEvent,
  type RuntimeModel,
} from "@limner/contracts";
import { type GenerationContext, generateImages } from "./generate-images";
import { requestSurface } from "./request-surface";

export async function streamGeneration(
  ctx: GenerationContext,
  request: AnyImageGenerationRequest,
  model: RuntimeModel,
  send: (event: ImageGenerationStreamEvent) => unknown,
): Promise<void> {
  const surface = requestSurface(request);
  // The request's own values, as OpenAI's events echo them (`size: "auto"` stays `auto`).
  const imageFields = {
    size: request.size,
    quality: request.quality,
    background: surface.background,
    output_format: request.output_format,
  } as const;
  let previewsSent = 0;
  const response = await generateImages(ctx, request, model, {
    previews: surface.partialImages,
    onEvent: (event) => {
      if (event.type === "queued") {
        send({ type: IMAGE_STREAM_EVENT_TYPES.queued, position: event.position });
        return;
      }
      send({
        type: IMAGE_STREAM_EVENT_TYPES.progress,
        step: event.step,
        total_steps: event.totalSteps,
      });
      if (event.preview) {
        send({
          type: IMAGE_STREAM_EVENT_TYPES.partialImage,
          b64_json: event.preview,
          partial_image_index: event.previewIndex ?? previewsSent,
          created_at: Math.floor(Date.now() / 1000),
          ...imageFields,
        });
        previewsSent += 1;
      }
    },
  });
  for (const image of response.data) {
    await send({
      type: IMAGE_STREAM_EVENT_TYPES.completed,
      created_at: response.created,
      ...imageFields,
      ...image,
      ...(response.usage ? { usage: response.usage } : {}),
      ...(response.limner ? { limner: response.limner } : {}),
    });
  }
}
