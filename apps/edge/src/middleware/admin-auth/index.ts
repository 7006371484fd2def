/**
 * Guards `/admin/*` with `Authorization: Bearer <LIMNER_ADMIN_TOKEN>`, compared in constant
 * time. Without a configured token the admin routes answer exactly like an unknown URL, so a
 * deployment that never set one exposes nothing, not even that they exist.
 *
 * @example
 * app.use("/admin/*", adminAuth());
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { apiError } from "../../api-error";
import { edgeConfig } from "../../config";
import type { EdgeEnv } from "../../env";

/**
 * Compares two secrets without leaking where they differ: both are hashed first, so the
 * comparison runs over 32 bytes whatever the inputs' lengths, and every byte is visited.
 */
export async function constantTimeEqual(given: string, expected: string): Promise<boolean> {
  const encode = (text: string) =>
    crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then((d) => new Uint8Array(d));
  const [a, b] = await Promise.all([encode(given), encode(expected)]);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

export function adminAuth(): MiddlewareHandler<EdgeEnv> {
  return async function adminAuth(c, next) {
    const { adminToken } = edgeConfig(c.env);
    if (!adminToken) {
      throw apiError("unknown_url", `Invalid URL (${c.req.method} ${c.req.path})`);
    }
    const header = c.req.header("authorization");
    if (!header) {
      throw apiError(
        "missing_api_key",
        "You didn't provide the admin token. Send it as 'Authorization: Bearer <LIMNER_ADMIN_TOKEN>'.",
      );
    }
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? "";
    if (!(await constantTimeEqual(token, adminToken))) {
      throw apiError("invalid_api_key", "Incorrect admin token provided.");
    }
    await next();
  };
}
