/**
 * Probes. `/healthz` says the worker runs; `/readyz` asks the runtimes, so a deployment is only
 * "ready" when it could serve a generation.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { EdgeReadiness } from "@limner/contracts";
import type { EdgeEnv } from "../env";
import { documentedRoute } from "../openapi/documented-route";
import { headers, NO_SECURITY, schemas } from "../openapi/openapi-components";

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  operationId: "getHealth",
  tags: ["Health"],
  summary: "Liveness: the worker runs",
  security: NO_SECURITY,
  responses: {
    "200": {
      description: "Alive",
      headers: headers("x-request-id"),
      content: {
        "application/json": { schema: z.object({ status: z.literal("ok") }) },
      },
    },
  },
});

const readinessRoute = createRoute({
  method: "get",
  path: "/readyz",
  operationId: "getReadiness",
  tags: ["Health"],
  summary: "Readiness: a runtime could serve a generation now",
  security: NO_SECURITY,
  responses: {
    "200": {
      description: "Ready",
      headers: headers("x-request-id"),
      content: { "application/json": { schema: schemas.EdgeReadiness } },
    },
    "503": {
      description: "Not ready, with the runtime's own report",
      headers: headers("x-request-id"),
      content: { "application/json": { schema: schemas.EdgeReadiness } },
    },
  },
});

export const healthRoutes = new OpenAPIHono<EdgeEnv>();

documentedRoute(healthRoutes, healthRoute, (c) => c.json({ status: "ok" }));
documentedRoute(healthRoutes, readinessRoute, async (c) => {
  const health = await c.var.runtimes.call(c.var.requestId, (runtime) => runtime.health.query(), {
    anyState: true,
  });
  const ready = health.status === "READY" || health.status === "BUSY";
  const readiness: EdgeReadiness = { status: ready ? "ready" : "not_ready", runtime: health };
  return c.json(readiness, ready ? 200 : 503);
});
