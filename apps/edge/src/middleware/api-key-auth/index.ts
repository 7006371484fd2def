/**
 * Authenticates `Authorization: Bearer lmn_…` against the hashed keys in D1, the way OpenAI's
 * API does (401 `invalid_api_key` for an unknown key, with the key's prefix only).
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { apiError } from "../../api-error";
import { API_KEY_PATTERN, edgeConfig } from "../../config";
import type { EdgeEnv } from "../../env";
import {
  ensureKey,
  keyPrefix,
  lastUseIsStale,
  lookupKey,
  touchKey,
} from "../../keys/api-key-store";

// The dev key is written to D1 once per isolate rather than by a separate setup step, so
// `LIMNER_DEV_KEY=… npm start` is all it takes and the check below stays the only path.
const seededDevKeys = new Set<string>();

export function apiKeyAuth(): MiddlewareHandler<EdgeEnv> {
  return async function apiKeyAuth(c, next) {
    const header = c.req.header("authorization");
    if (!header) {
      throw apiError(
        "missing_api_key",
        "You didn't provide an API key. Send it as 'Authorization: Bearer lmn_…'.",
      );
    }
    const key = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!key || !API_KEY_PATTERN.test(key)) {
      throw apiError("invalid_api_key", "Incorrect API key provided. Limner keys start with lmn_.");
    }
    const { devKey } = edgeConfig(c.env);
    if (devKey && !seededDevKeys.has(devKey)) {
      await ensureKey(c.env.DB, devKey, "local development key");
      seededDevKeys.add(devKey);
    }
    const found = await lookupKey(c.env.DB, key);
    if (found.status === "revoked") {
      throw apiError("key_revoked", `The API key ${keyPrefix(key)}… has been revoked.`);
    }
    if (found.status === "unknown") {
      throw apiError("invalid_api_key", `Incorrect API key provided: ${keyPrefix(key)}….`);
    }
    c.set("apiKey", found.key);
    // After the response, and at most once a minute per key (`lastUseIsStale`).
    const now = Date.now();
    if (lastUseIsStale(found.key.lastUsedAt, now)) {
      c.executionCtx.waitUntil(touchKey(c.env.DB, found.key.id, now));
    }
    await next();
  };
}
