/**
 * Probes. `/healthz` says the worker runs; `/readyz` asks the runtimes, so a deployment is only
 * "ready" when it could serve a generation.
 *
 * @module
 */
import type { EdgeReadiness } from "@limner/contracts";
import { Hono } from "hono";
import type { EdgeEnv } from "../env";

export const healthRoutes = new Hono<EdgeEnv>()
  .get("/healthz", (c) => c.json({ status: "ok" }))
  .get("/readyz", async (c) => {
    const health = await c.var.runtimes.call(c.var.requestId, (runtime) => runtime.health.query(), {
      anyState: true,
    });
    const ready = health.status === "READY" || health.status === "BUSY";
    const readiness: EdgeReadiness = { status: ready ? "ready" : "not_ready", runtime: health };
    return c.json(readiness, ready ? 200 : 503);
  });
