/**
 * One image generation as the edge runs it: answer a repeated request id from its record
 * (`generation-replay.ts`), else upsample the prompt, call a runtime's streaming `generate`
 * (failing over between runtimes), store the images in R2, record it in D1, and answer in
 * OpenAI's format. Progress events are passed to `onEvent` for SSE.
 *
 * @module
 */
import type {
  GenerateEvent,
  GenerateResult,
  ImageGenerationRequest,
  ImageGenerationResponse,
  RuntimeModel,
} from "@limner/contracts";
import { ApiError, apiError } from "../api-error";
import type { EdgeBindings, EdgeConfig } from "../config";
import { signFileUrl } from "../files/signed-url";
import type { AuthenticatedKey } from "../keys/api-key-store";
import type { RuntimePool } from "../runtime/runtime-pool";
import { upsamplePrompt } from "../upsampling/prompt-upsampling";
import {
  recordFailure,
  recordStart,
  recordSuccess,
  type StoredFile,
  settleAbandoned,
} from "./generation-records";
import { inProgress, replayGeneration } from "./generation-replay";
import { toOpenAIResponse, toRuntimeRequest } from "./runtime-request";
import { runtimeRequestId } from "./runtime-request-id";

/** How long the edge waits for a runtime before answering 504 (generations are slow on CPU). */
export const GENERATION_DEADLINE_MS = 5 * 60 * 1000;

/** The request-path reconciler runs at most this often per key and isolate. */
const RECONCILE_EVERY_MS = 30_000;
const reconciledAt = new Map<string, number>();

function reconcileDue(keyId: string, now = Date.now()): boolean {
  if (now - (reconciledAt.get(keyId) ?? 0) < RECONCILE_EVERY_MS) return false;
  if (reconciledAt.size >= 10_000) reconciledAt.clear();
  reconciledAt.set(keyId, now);
  return true;
}

export interface GenerationContext {
  env: EdgeBindings;
  config: EdgeConfig;
  runtimes: RuntimePool;
  apiKey: AuthenticatedKey;
  requestId: string;
  /** Origin for signed file URLs (the edge's public URL). */
  origin: string;
}

export interface GenerationEvents {
  onEvent?(event: Exclude<GenerateEvent, { type: "completed" }>): void;
}

export async function generateImages(
  ctx: GenerationContext,
  request: ImageGenerationRequest,
  model: RuntimeModel,
  events: GenerationEvents = {},
): Promise<ImageGenerationResponse> {
  const generationId = `gen_${crypto.randomUUID()}`;
  ctx.runtimes.logHangUp(ctx.requestId);
  // Rows of this key that a crashed or cancelled edge left running are settled first, so a
  // retry of one is not told "still running" forever.
  if (reconcileDue(ctx.apiKey.id)) await settleAbandoned(ctx.env.DB, ctx.apiKey.id);
  // Replay, else claim the id; an attempt that lost the claim to a concurrent one is answered
  // like a retry arriving later (409 while running, the replay once finished).
  for (let attempt = 0; ; attempt++) {
    const replayed = await replayGeneration(ctx, request, model.id);
    if (replayed) return replayed;
    const claimed = await recordStart(ctx.env.DB, {
      id: generationId,
      keyId: ctx.apiKey.id,
      requestId: ctx.requestId,
      model: model.id,
      prompt: request.prompt,
      size: request.size,
      n: request.n,
    });
    if (claimed) break;
    if (attempt > 0) throw inProgress(ctx.requestId);
  }
  try {
    const { revisedPrompt } = await upsamplePrompt(
      {
        prompt: request.prompt,
        style: request.style,
        requested: request.upsample,
        model,
        requestId: ctx.requestId,
      },
      ctx.config.upsampling,
      ctx.runtimes,
    );
    const input = toRuntimeRequest(
      request,
      model,
      revisedPrompt,
      await runtimeRequestId(ctx.apiKey.id, ctx.requestId),
      GENERATION_DEADLINE_MS,
    );
    const result = await ctx.runtimes.call(
      ctx.requestId,
      async (runtime) => {
        let completed: GenerateResult | undefined;
        for await (const event of await runtime.generate.mutate(input)) {
          if (event.type === "completed") completed = event.result;
          else events.onEvent?.(event);
        }
        if (!completed)
          throw apiError("upstream_error", "The GPU runtime ended the stream without a result.");
        return completed;
      },
      { model: model.id },
    );

    const files = await storeImages(ctx.env.FILES, result);
    const images = await Promise.all(
      result.images.map(async (image, i) =>
        request.response_format === "b64_json"
          ? { b64_json: image.b64 }
          : { url: await signFileUrl(ctx.origin, files[i]?.id ?? "", ctx.config.filesSigningKey) },
      ),
    );
    const response = toOpenAIResponse(result, images, revisedPrompt, Math.floor(Date.now() / 1000));
    await recordSuccess(ctx.env.DB, generationId, ctx.apiKey.id, {
      revisedPrompt,
      seed: result.images[0]?.seed ?? 0,
      timings: result.timingsMs,
      files,
      metadata: response.limner,
    });
    return response;
  } catch (error) {
    const apiCode = error instanceof ApiError ? error.envelope.error.code : "internal_error";
    // A client that hung up cancelled its generation; that is not a failure of ours.
    const code = apiCode === "client_closed_request" ? "cancelled" : (apiCode ?? "error");
    await recordFailure(ctx.env.DB, generationId, code);
    throw error;
  }
}

async function storeImages(bucket: R2Bucket, result: GenerateResult): Promise<StoredFile[]> {
  return Promise.all(
    result.images.map(async (image) => {
      const id = `img_${crypto.randomUUID()}`;
      const bytes = Uint8Array.from(atob(image.b64), (ch) => ch.charCodeAt(0));
      await bucket.put(`images/${id}`, bytes, {
        httpMetadata: { contentType: image.mimeType },
        customMetadata: { model: result.model, seed: String(image.seed) },
      });
      return {
        id,
        mimeType: image.mimeType,
        width: image.width,
        height: image.height,
        bytes: bytes.byteLength,
      };
    }),
  );
}
