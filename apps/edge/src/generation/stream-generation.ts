/**
 * One generation as a sequence of the contracts' `ImageGenerationStreamEvent`s, handed to
 * `send` as they happen: the SSE route (`routes/images.ts`) writes them as server-sent events,
 * the tRPC router (`trpc/edge-router.ts`) yields them from a streamed mutation.
 *
 * @module
 */
import {
  IMAGE_STREAM_EVENT_TYPES,
  type ImageGenerationRequest,
  type ImageGenerationStreamEvent,
  type RuntimeModel,
} from "@limner/contracts";
import { type GenerationContext, generateImages } from "./generate-images";

export async function streamGeneration(
  ctx: GenerationContext,
  request: ImageGenerationRequest,
  model: RuntimeModel,
  send: (event: ImageGenerationStreamEvent) => unknown,
): Promise<void> {
  const imageFields = {
    size: request.size,
    quality: request.quality,
    background: "opaque",
    output_format: request.output_format,
  } as const;
  const response = await generateImages(ctx, request, model, {
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
          partial_image_index: event.step,
          created_at: Math.floor(Date.now() / 1000),
          ...imageFields,
        });
      }
    },
  });
  for (const image of response.data) {
    await send({
      type: IMAGE_STREAM_EVENT_TYPES.completed,
      created_at: response.created,
      ...imageFields,
      ...image,
      ...(response.limner ? { limner: response.limner } : {}),
    });
  }
}
