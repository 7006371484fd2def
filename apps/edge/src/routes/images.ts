/**
 * `POST /v1/images/generations`: dall-e-3's or gpt-image's request (per `model`), answered as JSON or — with `stream: true`
 * — as server-sent events: the contracts' `ImageGenerationStreamEvent` union (gpt-image's
 * `image_generation.partial_image` / `image_generation.completed` plus Limner's `limner.queued`
 * and `limner.progress`).
 *
 * @module
 */
import { IMAGE_STREAM_ERROR_EVENT } from "@limner/contracts";
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { ApiError, apiError } from "../api-error";
import { edgeConfig } from "../config";
import type { EdgeEnv } from "../env";
import { type GenerationContext, generateImages } from "../generation/generate-images";
import { readGenerationRequest } from "../generation/request-surface";
import { streamGeneration } from "../generation/stream-generation";
import { resolveModel } from "../runtime/resolve-model";

/** What a generation needs from the request; REST and tRPC (`trpc/edge-router.ts`) share it. */
export function generationContext(c: Context<EdgeEnv>): GenerationContext {
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
  // dall-e-3's or gpt-image's fields, per the `model` named (generation/request-surface.ts).
  const request = await readGenerationRequest(c);
  const model = await resolveModel(c, request.model, "generate");
  const ctx = generationContext(c);
  if (!request.stream) return c.json(await generateImages(ctx, request, model));

  return streamSSE(c, async (stream) => {
    try {
      // Each payload's SSE name is its `type`.
      await streamGeneration(ctx, request, model, (event) =>
        stream.writeSSE({ event: event.type, data: JSON.stringify(event) }),
      );
    } catch (error) {
      // Headers are gone once streaming starts: errors travel as an `error` event in the envelope.
      const envelope =
        error instanceof ApiError
          ? error.envelope
          : apiError("internal_error", "Generation failed.").envelope;
      await stream.writeSSE({ event: IMAGE_STREAM_ERROR_EVENT, data: JSON.stringify(envelope) });
    }
  });
});
