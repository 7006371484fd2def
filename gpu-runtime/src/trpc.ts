/**
 * The runtime's single tRPC instance. Procedures that do work require the edge's service
 * token; only `health` is public so probes and load balancers can call it.
 *
 * @module
 */
import { initTRPC, TRPCError } from "@trpc/server";
import { RetryableTRPCError } from "./retryable-error";
import type { RuntimeContext } from "./services";

const t = initTRPC.context<RuntimeContext>().create({
  errorFormatter({ shape, error }) {
    const retryAfterMs = error instanceof RetryableTRPCError ? error.retryAfterMs : null;
    return { ...shape, data: { ...shape.data, retryAfterMs } };
  },
});

export const router = t.router;
export const publicProcedure = t.procedure;

export const serviceProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.isEdge) {
    throw new TRPCError({
      code: "UNAUTHORIZED",
      message: "This runtime only accepts calls carrying the edge's service token.",
    });
  }
  return next();
});
