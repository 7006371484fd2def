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
  // Never dev mode, whatever NODE_ENV says: dev mode puts stack traces (absolute paths) in
  // every error answer. The detail is in the runtime's log instead (`server.ts`).
  isDev: false,
  errorFormatter({ shape, error }) {
    const retryAfterMs = error instanceof RetryableTRPCError ? error.retryAfterMs : null;
    const { stack: _stack, ...data } = shape.data as typeof shape.data & { stack?: string };
    return { ...shape, data: { ...data, retryAfterMs } };
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
