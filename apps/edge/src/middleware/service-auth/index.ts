/**
 * Guards internal routes with `Authorization: Bearer <RUNTIME_SERVICE_TOKEN>`, compared in
 * constant time: only the launcher that wired the edge to its runtimes (and holds that token)
 * may call them. Refusals use the OpenAI envelope like every other edge error.
 *
 * @example
 * app.use("/internal/*", serviceAuth());
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { apiError } from "../../api-error";
import { edgeConfig } from "../../config";
import type { EdgeEnv } from "../../env";
import { constantTimeEqual } from "../admin-auth";

export function serviceAuth(): MiddlewareHandler<EdgeEnv> {
  return async function serviceAuth(c, next) {
    const header = c.req.header("authorization");
    if (!header) {
      throw apiError(
        "missing_api_key",
        "You didn't provide the service token. Send it as 'Authorization: Bearer <RUNTIME_SERVICE_TOKEN>'.",
      );
    }
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? "";
    if (!(await constantTimeEqual(token, edgeConfig(c.env).runtimeServiceToken))) {
      throw apiError("invalid_api_key", "Incorrect service token provided.");
    }
    await next();
  };
}
