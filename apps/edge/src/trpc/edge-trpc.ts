/**
 * The edge's single tRPC instance, for SDK clients that want end-to-end types (`/trpc`). It
 * runs behind the same middleware as `/v1` (API key, per-key limits, body limits), so its
 * procedures only see admitted requests. An `ApiError` keeps its meaning: the tRPC code matching
 * its status, and OpenAI's envelope under `data.envelope`.
 *
 * @module
 */
import { initTRPC, TRPCError } from "@trpc/server";
import type { Context } from "hono";
import { ApiError } from "../api-error";
import type { EdgeEnv } from "../env";

export interface EdgeTRPCContext {
  c: Context<EdgeEnv>;
}

const CODES: Record<number, TRPCError["code"]> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "TOO_MANY_REQUESTS",
  502: "BAD_GATEWAY",
  503: "SERVICE_UNAVAILABLE",
  504: "GATEWAY_TIMEOUT",
};

const t = initTRPC.context<EdgeTRPCContext>().create({
  errorFormatter({ shape, error }) {
    const envelope = error.cause instanceof ApiError ? error.cause.envelope : null;
    return { ...shape, data: { ...shape.data, envelope } };
  },
});

export const router = t.router;

/** Every edge procedure: an `ApiError` from a shared handler becomes the matching tRPC code. */
export const edgeProcedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof ApiError) {
    const cause = result.error.cause;
    throw new TRPCError({
      code: CODES[cause.status] ?? "INTERNAL_SERVER_ERROR",
      message: cause.envelope.error.message,
      cause,
    });
  }
  return result;
});
