/**
 * The runtime's tRPC router. Its *type* is the contract the edge compiles against:
 * consumers `import type { RuntimeRouter }` and never the value.
 *
 * `generate` and `edit` (image-to-image: the edge's edits and variations) stream: they yield
 * `queued`, per-step `progress` (with optional previews) and finally `completed` events; call
 * them through `httpBatchStreamLink` to receive them as they happen.
 *
 * @module
 */
import {
  type EditEvent,
  EditInput,
  type EditResult,
  type GenerateEvent,
  GenerateInput,
  type GenerateResult,
  RuntimeCaptionInput,
  type RuntimeHealth,
  RuntimeScoreInput,
  RuntimeUpsampleInput,
} from "@limner/contracts";
import { resultEvents } from "./generation/event-channel";
import { RetryableTRPCError } from "./retryable-error";
import { publicProcedure, router, serviceProcedure } from "./trpc";

export const runtimeRouter = router({
  health: publicProcedure.query(({ ctx }): RuntimeHealth => {
    const { services } = ctx;
    return {
      status: services.status(),
      version: services.version,
      uptime_s: Math.round((Date.now() - services.startedAt) / 1000),
      queue_depth: services.queueDepth(),
      models: services.models().map((m) => m.id),
    };
  }),
  // A runtime still loading has no honest list (an empty one would read as "no such model"):
  // it answers "unavailable", which the edge treats as "ask another runtime".
  models: serviceProcedure.query(({ ctx }) => {
    if (ctx.services.status() === "STARTING") {
      throw new RetryableTRPCError("SERVICE_UNAVAILABLE", "The runtime is still loading.", 2000);
    }
    return ctx.services.models();
  }),
  generate: serviceProcedure.input(GenerateInput).mutation(async function* ({
    ctx,
    input,
    signal,
  }) {
    yield* resultEvents<GenerateEvent, GenerateResult>(
      (onEvent) => ctx.services.generate(input, { ...(signal ? { signal } : {}), onEvent }),
      (result) => ({ type: "completed", result }),
    );
  }),
  // Edits and variations stream like `generate`; `completed` carries the result.
  edit: serviceProcedure.input(EditInput).mutation(async function* ({ ctx, input, signal }) {
    yield* resultEvents<EditEvent, EditResult>(
      (onEvent) => ctx.services.edit(input, { ...(signal ? { signal } : {}), onEvent }),
      (result) => ({ type: "completed", result }),
    );
  }),
  caption: serviceProcedure
    .input(RuntimeCaptionInput)
    .mutation(({ ctx, input, signal }) => ctx.services.caption(input, signal ? { signal } : {})),
  upsample: serviceProcedure
    .input(RuntimeUpsampleInput)
    .mutation(({ ctx, input, signal }) => ctx.services.upsample(input, signal ? { signal } : {})),
  score: serviceProcedure
    .input(RuntimeScoreInput)
    .mutation(({ ctx, input, signal }) => ctx.services.score(input, signal ? { signal } : {})),
});

export type RuntimeRouter = typeof runtimeRouter;
