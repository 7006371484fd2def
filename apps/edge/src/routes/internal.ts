/**
 * `/internal/*`: calls from the launcher that runs this edge, never from API clients (not under
 * `/v1`, no API key, guarded by the runtime service token).
 *
 * `POST /internal/connections/:id/cancel` — the one-box front proxy (packages/dev-stack
 * `front-proxy.ts`) saw connection `id`'s client close before its answer was finished: the
 * request on it is cancelled as if its `request.signal` had aborted (runtime calls aborted, the
 * generation recorded `failed` / `cancelled`). Always 204: an id with nothing running (already
 * answered, or not yet registered — remembered briefly for that case) is not an error, so the
 * proxy need not know how far the request had got.
 *
 * @module
 */
import { CONNECTION_ID_PATTERN } from "@limner/contracts";
import { Hono } from "hono";
import { connections } from "../connections/connection-registry";
import type { EdgeEnv } from "../env";
import { serviceAuth } from "../middleware/service-auth";

export const internalRoutes = new Hono<EdgeEnv>()
  .use(serviceAuth())
  .post("/connections/:id/cancel", (c) => {
    const id = c.req.param("id");
    // The proxy only sends ids of this shape; anything else cannot name a request.
    const cancelled = CONNECTION_ID_PATTERN.test(id) && connections.cancel(id);
    if (cancelled) {
      console.log(
        JSON.stringify({
          level: "info",
          requestId: c.var.requestId,
          message: "the front proxy cancelled a request whose client hung up",
        }),
      );
    }
    return c.body(null, 204);
  });
