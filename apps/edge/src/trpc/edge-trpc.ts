/**
 * The edge's single tRPC instance, for SDK clients that want end-to-end types (`/trpc`). It
 * runs behind the same middleware as `/v1` (API key, per-key limits, body limits), so its
 * procedures only see admitted requests. An `ApiError` keeps its meaning: the tRPC code matching
 * its status, and OpenAI's envelope under `data.envelope`.
 *
 * The router's context *type* is only the request: the Hono context (bindings, the runtime pool,
 * the request id) is looked up by it inside {@link edgeProcedure}, so the router's type — which
 * `@limner/sdk/trpc` ships to apps outside this repo — names no Hono or Workers types.
 *
 * @module
 */
import { initTRPC, TRPCError } from "@trpc/server";
import type { Context } from "hono";
import { ApiError } from "../api-error";
import type { EdgeEnv } from "../env";
import type { EdgeTRPCContext } from "./edge-trpc-context";

export type { EdgeTRPCContext };

const honoContexts = new WeakMap<Request, Context<EdgeEnv>>();

/** `createContext` for `/trpc`: remembers the request's Hono context for the procedures. */
export function edgeTRPCContext(c: Context<EdgeEnv>): EdgeTRPCContext {
  honoContexts.set(c.req.raw, c);
  return { request: c.req.raw };
}

const CODES: Record<number, TRPCError["code"]> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
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
export const edgeProcedure = t.procedure.use(async ({ ctx, next }) => {
  const c = honoContexts.get(ctx.request);
  if (!c) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "No request context." });
  const result = await next({ ctx: { c } });
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
