/**
 * Admits a `/v1` request for its API key — `Authorization: Bearer lmn_…` — in one call to the
 * key's `KeyAuthority` Durable Object (`keys/key-authority.ts`), which checks the key (stored hashed in D1) and its per-key limits
 * together.
 *
 * Answers as OpenAI's API does: 401 `missing_api_key`, `invalid_api_key` (with the key's prefix
 * only) or `key_revoked`; over a limit 429 `rate_limit_exceeded` with `retry-after` and
 * `retry-after-ms` (under 60 s, so stock clients wait for them), or `x-should-retry: false`
 * when the request can never pass. Every admitted answer carries OpenAI's `x-ratelimit-*` headers. Requests
 * per minute are counted on every endpoint, images per minute (the request's `n`) on the
 * endpoints that produce images — whose bodies must therefore be buffered by `bodyLimit` before
 * this runs; other bodies are read only once the key has passed.
 *
 * @example
 * app.post("/v1/images/generations", bodyLimit({ maxBytes }));
 * app.use("/v1/*", apiKeyAccess(), bodyLimit({ maxBytes }));
 *
 * @module
 */
import { ImageEditRequest, ImageGenerationRequest } from "@limner/contracts";
import type { MiddlewareHandler } from "hono";
import { apiError } from "../../api-error";
import { API_KEY_PATTERN, edgeConfig } from "../../config";
import type { EdgeEnv } from "../../env";
import { ensureKey, keyPrefix, sha256Hex } from "../../keys/api-key-store";
import { keyExists } from "../../keys/key-existence";
import { rateLimitHeaders, rateLimitMessage } from "../../limits/rate-limit-headers";

/** `[method, path]` of the endpoints that produce images, and so use the images quota. */
export const IMAGE_ENDPOINTS: readonly (readonly [method: string, path: string])[] = [
  ["POST", "/v1/images/generations"],
  ["POST", "/v1/images/edits"],
  ["POST", "/v1/images/variations"],
  ["POST", "/trpc/generate"],
];

function producesImages(method: string, path: string): boolean {
  return IMAGE_ENDPOINTS.some(([m, p]) => m === method && p === path);
}

/**
 * The images a request asks for: its `n` when that is valid, else 1 — a malformed body or `n`
 * is left for validation to report, and is still counted as one image.
 */
export async function requestedImages(request: Request): Promise<number> {
  let body: unknown;
  if ((request.headers.get("content-type") ?? "").startsWith("multipart/form-data")) {
    // Edits and variations: `n` is a form field, as text.
    const n = await request
      .clone()
      .formData()
      .then((form) => form.get("n"))
      .catch(() => null);
    const parsed = ImageEditRequest.shape.n.safeParse(n ?? undefined);
    return parsed.success ? parsed.data : 1;
  }
  try {
    body = await request.clone().json();
  } catch {
    return 1;
  }
  // tRPC's batch links send `{"0": input}`; `/v1` sends the input itself.
  const batched = new URL(request.url).pathname.startsWith("/trpc/");
  if (batched && typeof body === "object" && body !== null && "0" in body) body = body[0];
  const n = typeof body === "object" && body !== null && "n" in body ? body.n : undefined;
  const parsed = ImageGenerationRequest.shape.n.safeParse(n);
  return parsed.success ? parsed.data : 1;
}

// The dev key is written to D1 once per isolate rather than by a separate setup step, so
// `LIMNER_DEV_KEY=… npm start` is all it takes and the check below stays the only path.
const seededDevKeys = new Set<string>();

export function apiKeyAccess(): MiddlewareHandler<EdgeEnv> {
  return async function apiKeyAccess(c, next) {
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
    const { devKey, defaultLimits } = edgeConfig(c.env);
    if (devKey && !seededDevKeys.has(devKey)) {
      await ensureKey(c.env.DB, devKey, "local development key");
      seededDevKeys.add(devKey);
    }
    const keyHash = await sha256Hex(key);
    // Made-up keys never reach a Durable Object (which would get storage of its own).
    if (!(await keyExists(c.env.DB, keyHash))) {
      throw apiError("invalid_api_key", `Incorrect API key provided: ${keyPrefix(key)}….`);
    }
    const images = producesImages(c.req.method, c.req.path)
      ? await requestedImages(c.req.raw)
      : null;
    const authority = c.env.KEY_AUTHORITY.get(c.env.KEY_AUTHORITY.idFromName(keyHash));
    const decision = await authority.decide({ keyHash, images, defaultLimits });
    if (decision.status === "revoked") {
      throw apiError("key_revoked", `The API key ${keyPrefix(key)}… has been revoked.`);
    }
    if (decision.status === "unknown") {
      throw apiError("invalid_api_key", `Incorrect API key provided: ${keyPrefix(key)}….`);
    }
    const { verdict } = decision;
    const headers = rateLimitHeaders(verdict);
    if (!verdict.allowed) {
      throw apiError(
        "rate_limit_exceeded",
        rateLimitMessage(verdict, decision.key.prefix),
        // Only a request that could never fit is the fault of a field.
        verdict.retryAfterMs === null ? "n" : null,
        headers,
      );
    }
    c.set("apiKey", decision.key);
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    await next();
  };
}
