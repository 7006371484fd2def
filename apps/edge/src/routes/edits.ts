/**
 * `POST /v1/images/edits`: OpenAI's multipart edit request (`image` or `image[]`, `mask`,
 * `prompt`, …) answered as JSON or — with `stream: true` — as server-sent events: Limner's
 * `limner.queued` / `limner.progress`, `partial_images` previews as `image_edit.partial_image`,
 * then one `image_edit.completed` per image (always `b64_json`, as OpenAI streams them).
 *
 * @module
 */
import {
  IMAGE_EDIT_STREAM_EVENT_TYPES,
  IMAGE_STREAM_ERROR_EVENT,
  IMAGE_STREAM_EVENT_TYPES,
  ImageEditRequest,
  type ImageEditStreamEvent,
  UNSUPPORTED_EDIT_FIELDS,
} from "@limner/contracts";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { ApiError, apiError } from "../api-error";
import { readEditForm } from "../editing/edit-form";
import { editImages } from "../editing/edit-images";
import type { EdgeEnv } from "../env";
import { resolveModel } from "../runtime/resolve-model";
import { generationContext } from "./images";

export const editRoutes = new Hono<EdgeEnv>().post("/edits", async (c) => {
  const { request, uploads } = await readEditForm(c, ImageEditRequest, {
    unsupported: UNSUPPORTED_EDIT_FIELDS,
  });
  const model = await resolveModel(c, request.model, "edit");
  const ctx = generationContext(c);
  if (!request.stream)
    return c.json(await editImages(ctx, { kind: "edit", request }, uploads, model));

  const fields = {
    size: request.size,
    quality: request.quality,
    background: "opaque",
    output_format: request.output_format,
  } as const;
  return streamSSE(c, async (stream) => {
    const send = (event: ImageEditStreamEvent) =>
      stream.writeSSE({ event: event.type, data: JSON.stringify(event) });
    try {
      const response = await editImages(
        ctx,
        { kind: "edit", request: { ...request, response_format: "b64_json" } },
        uploads,
        model,
        {
          previews: request.partial_images,
          onEvent: (event) => {
            if (event.type === "queued") {
              void send({ type: IMAGE_STREAM_EVENT_TYPES.queued, position: event.position });
              return;
            }
            void send({
              type: IMAGE_STREAM_EVENT_TYPES.progress,
              step: event.step,
              total_steps: event.totalSteps,
            });
            if (event.preview && event.previewIndex !== undefined) {
              void send({
                type: IMAGE_EDIT_STREAM_EVENT_TYPES.partialImage,
                b64_json: event.preview,
                partial_image_index: event.previewIndex,
                created_at: Math.floor(Date.now() / 1000),
                ...fields,
              });
            }
          },
        },
      );
      for (const image of response.data) {
        await send({
          type: IMAGE_EDIT_STREAM_EVENT_TYPES.completed,
          b64_json: image.b64_json ?? "",
          created_at: response.created,
          ...fields,
          ...(image.revised_prompt ? { revised_prompt: image.revised_prompt } : {}),
          ...(response.usage ? { usage: response.usage } : {}),
        });
      }
    } catch (error) {
      // Headers are gone once streaming starts: errors travel as an `error` event in the envelope.
      const envelope =
        error instanceof ApiError
          ? error.envelope
          : apiError("internal_error", "The edit failed.").envelope;
      await stream.writeSSE({ event: IMAGE_STREAM_ERROR_EVENT, data: JSON.stringify(envelope) });
    }
  });
});
