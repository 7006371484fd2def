/**
 * The runtime's HTTP surface: tRPC under `/trpc`, plus the plain probes Kubernetes expects.
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { Hono } from "hono";
import type { Registry } from "prom-client";
import { runtimeRouter } from "./router";
import type { RuntimeServices } from "./services";

export interface RuntimeAppOptions {
  services: RuntimeServices;
  serviceToken: string;
  /** Prometheus registry served at `/metrics`. */
  metrics?: Registry;
  /** Where internal failures are logged (with the request id). Default: stderr. */
  log?: (line: string) => void;
}

export function createRuntimeApp({
  services,
  serviceToken,
  metrics,
  log = console.error,
}: RuntimeAppOptions): Hono {
  const expected = Buffer.from(`Bearer ${serviceToken}`);
  const isEdgeCall = (header: string | undefined): boolean => {
    if (header === undefined) return false;
    const given = Buffer.from(header);
    // Constant-time compare so response timing does not leak the token byte by byte.
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => {
    const status = services.status();
    const ready = status === "READY" || status === "BUSY";
    return c.json({ status }, ready ? 200 : 503);
  });
  if (metrics) {
    app.get("/metrics", async (c) =>
      c.text(await metrics.metrics(), 200, { "content-type": metrics.contentType }),
    );
  }
  app.all("/trpc/*", (c) =>
    fetchRequestHandler({
      endpoint: "/trpc",
      req: c.req.raw,
      router: runtimeRouter,
      createContext: () => ({ services, isEdge: isEdgeCall(c.req.header("authorization")) }),
      // Answers carry a generic sentence for internal failures; the cause is logged here,
      // with the edge's request id, so an operator can find it.
      onError({ error, path }) {
        const internal = error.code === "INTERNAL_SERVER_ERROR";
        // Refusals with a hidden cause (a decoder's own text) are logged too, as warnings;
        // input validation is not hidden (its message is the answer).
        if (!internal && (!error.cause || error.cause.name === "ZodError")) return;
        const cause = error.cause ?? error;
        log(
          JSON.stringify({
            level: internal ? "error" : "warn",
            requestId: c.req.header("x-request-id") ?? null,
            procedure: path ?? null,
            message: cause.message,
            stack: cause.stack,
          }),
        );
      },
    }),
  );
  return app;
}
