/**
 * The runtime's tRPC router. Its *type* is the contract the edge compiles against:
 * consumers `import type { RuntimeRouter }` and never the value.
 *
 * `generate` streams: it yields `queued`, per-step `progress` (with optional previews) and
 * finally `completed` events; call it through `httpBatchStreamLink` to receive them as they
 * happen.
 *
 * @module
 */
import {
  type GenerateEvent,
  GenerateInput,
  RuntimeCaptionInput,
  type RuntimeHealth,
  RuntimeScoreInput,
  RuntimeUpsampleInput,
} from "@limner/contracts";
import { EventChannel } from "./generation/event-channel";
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
  models: serviceProcedure.query(({ ctx }) => ctx.services.models()),
  generate: serviceProcedure.input(GenerateInput).mutation(async function* ({
    ctx,
    input,
    signal,
  }) {
    const events = new EventChannel<GenerateEvent>();
    ctx.services
      .generate(input, { ...(signal ? { signal } : {}), onEvent: (event) => events.push(event) })
      .then(
        () => events.close(),
        (error: unknown) => events.fail(error),
      );
    yield* events;
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
