/**
 * `POST /v1/images/generations`: dall-e-3's request, answered as JSON or — with `stream: true`
 * — as server-sent events using gpt-image's event names (`image_generation.partial_image`,
 * `image_generation.completed`) plus Limner's `limner.queued` and `limner.progress`.
 *
 * @module
 */
import { ImageGenerationRequest, UNSUPPORTED_IMAGE_FIELDS } from "@limner/contracts";
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { ApiError, apiError } from "../api-error";
import { edgeConfig } from "../config";
import type { EdgeEnv } from "../env";
import { type GenerationContext, generateImages } from "../generation/generate-images";
import { readValidatedJson } from "../request-body";
import { resolveModel } from "../runtime/resolve-model";

function generationContext(c: Context<EdgeEnv>): GenerationContext {
  return {
    env: c.env,
    config: edgeConfig(c.env),
    runtimes: c.var.runtimes,
    apiKey: c.var.apiKey,
    requestId: c.var.requestId,
    origin: new URL(c.req.url).origin,
  };
}

export const imageRoutes = new Hono<EdgeEnv>().post("/generations", async (c) => {
  const request = await readValidatedJson(c, ImageGenerationRequest, UNSUPPORTED_IMAGE_FIELDS);
  const model = await resolveModel(c, request.model, "generate");
  const ctx = generationContext(c);
  if (!request.stream) return c.json(await generateImages(ctx, request, model));

  return streamSSE(c, async (stream) => {
    try {
      const response = await generateImages(ctx, request, model, {
        onEvent: (event) => {
          if (event.type === "queued") {
            void stream.writeSSE({
              event: "limner.queued",
              data: JSON.stringify({ type: "limner.queued", position: event.position }),
            });
            return;
          }
          void stream.writeSSE({
            event: "limner.progress",
            data: JSON.stringify({
              type: "limner.progress",
              step: event.step,
              total_steps: event.totalSteps,
            }),
          });
          if (event.preview) {
            void stream.writeSSE({
              event: "image_generation.partial_image",
              data: JSON.stringify({
                type: "image_generation.partial_image",
                b64_json: event.preview,
                partial_image_index: event.step,
              }),
            });
          }
        },
      });
      for (const image of response.data) {
        await stream.writeSSE({
          event: "image_generation.completed",
          data: JSON.stringify({
            type: "image_generation.completed",
            created_at: response.created,
            size: request.size,
            output_format: request.output_format,
            ...image,
            limner: response.limner,
          }),
        });
      }
    } catch (error) {
      // Headers are gone once streaming starts: errors travel as an `error` event in the envelope.
      const envelope =
        error instanceof ApiError
          ? error.envelope
          : apiError("internal_error", "Generation failed.").envelope;
      await stream.writeSSE({ event: "error", data: JSON.stringify(envelope) });
    }
  });
});
