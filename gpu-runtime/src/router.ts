/**
 * The runtime's tRPC router. Its *type* is the contract the edge compiles against:
 * consumers `import type { RuntimeRouter }` and never the value.
 *
 * @module
 */
import type { RuntimeHealth } from "@limner/contracts";
import { publicProcedure, router, serviceProcedure } from "./trpc";

export const runtimeRouter = router({
  health: publicProcedure.query(({ ctx }): RuntimeHealth => {
    const { services } = ctx;
    return {
      status: services.status(),
      version: services.version,
      uptime_s: Math.round((Date.now() - services.startedAt) / 1000),
      queue_depth: services.queueDepth(),
      models: services.models.list().map((m) => m.id),
    };
  }),
  models: serviceProcedure.query(({ ctx }) => ctx.services.models.list()),
});

export type RuntimeRouter = typeof runtimeRouter;
