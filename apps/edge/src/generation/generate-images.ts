/**
 * One image generation as the edge runs it: answer a repeated request id from its record
 * (`generation-replay.ts`), else upsample the prompt, call a runtime's streaming `generate`
 * (failing over between runtimes), store the images in R2, record it in D1, and answer in
 * OpenAI's format. Progress events are passed to `onEvent` for SSE.
 *
 * @module
 */
import type {
  AnyImageGenerationRequest,
  GenerateEvent,
  GenerateResult,
  ImageGenerationResponse,
  RuntimeModel,
} from "@limner/contracts";
import type { EdgeBindings, EdgeConfig } from "../config";
import { imageLinks } from "../files/image-links";
import { storeImages } from "../files/store-images";
import type { AuthenticatedKey } from "../keys/api-key-store";
import type { RuntimePool } from "../runtime/runtime-pool";
import { streamedResult } from "../runtime/runtime-stream";
import { upsamplePrompt } from "../upsampling/prompt-upsampling";
import { recordStart, recordSuccess, settleAbandoned } from "./generation-records";
import { inProgress, RUNNING, replayGeneration } from "./generation-replay";
import { recordedAttempt } from "./recorded-attempt";
import { requestSurface } from "./request-surface";
import { toOpenAIResponse, toRuntimeRequest } from "./runtime-request";
import { runtimeRequestId } from "./runtime-request-id";

/** How long the edge waits for a runtime before answering 504 (generations are slow on CPU). */
export const GENERATION_DEADLINE_MS = 5 * 60 * 1000;

/**
 * How long a retry waits for an earlier attempt with its request id before answering 409: long
 * enough that one retry by a stock client (openai-node waits at most 60 s between tries) usually
 * gets the image, short of the minute after which proxies commonly drop an idle request.
 */
const WAIT_FOR_EARLIER_ATTEMPT_MS = 45_000;
/** How often a waiting retry looks at the earlier attempt's row (one D1 read). */
const POLL_EARLIER_ATTEMPT_MS = 1_000;

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
  /** Previews to ask the runtime for (gpt-image's `partial_images` when streaming). */
  previews?: number;
}

export async function generateImages(
  ctx: GenerationContext,
  request: AnyImageGenerationRequest,
  model: RuntimeModel,
  events: GenerationEvents = {},
): Promise<ImageGenerationResponse> {
  const surface = requestSurface(request);
  const generationId = `gen_${crypto.randomUUID()}`;
  ctx.runtimes.logHangUp(ctx.requestId);
  // Rows of this key that a crashed or cancelled edge left running are settled first, so a
  // retry of one is not told "still running" forever.
  if (reconcileDue(ctx.apiKey.id)) await settleAbandoned(ctx.env.DB, ctx.apiKey.id);
  // Replay, else claim the id. A retry that finds an earlier attempt alive (or loses the claim
  // to a concurrent one) waits for it: its answer once finished, the request run here if that
  // attempt's edge died, and 409 (which clients retry) only after a long wait.
  const waitUntil = Date.now() + WAIT_FOR_EARLIER_ATTEMPT_MS;
  for (;;) {
    const replayed = await replayGeneration(ctx, request, model.id);
    if (replayed === RUNNING) {
      if (Date.now() >= waitUntil) throw inProgress(ctx.requestId);
      await new Promise((resolve) => setTimeout(resolve, POLL_EARLIER_ATTEMPT_MS));
      continue;
    }
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
  }
  return recordedAttempt(ctx.env.DB, generationId, async () => {
    const { revisedPrompt } = await upsamplePrompt(
      {
        prompt: request.prompt,
        style: surface.style,
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
      events.previews,
    );
    const result: GenerateResult = await ctx.runtimes.call(
      ctx.requestId,
      async (runtime) => streamedResult(await runtime.generate.mutate(input), events.onEvent),
      { model: model.id },
    );

    const files = await storeImages(ctx.env.FILES, result);
    const images = await imageLinks(result.images, files, surface.responseFormat, {
      origin: ctx.origin,
      key: ctx.config.filesSigningKey,
    });
    const response = toOpenAIResponse(
      request,
      result,
      images,
      revisedPrompt,
      Math.floor(Date.now() / 1000),
    );
    await recordSuccess(ctx.env.DB, generationId, ctx.apiKey.id, {
      revisedPrompt,
      seed: result.images[0]?.seed ?? 0,
      timings: result.timingsMs,
      files,
      metadata: response.limner,
    });
    return response;
  });
}
