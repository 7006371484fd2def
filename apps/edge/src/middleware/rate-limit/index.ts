/**
 * Per-key limits on `/v1/*`, enforced exactly by the key's {@link KeyRateLimiter} Durable
 * Object: requests per minute on every endpoint, and images per minute on the endpoints that
 * produce images (counted as the request's `n`). Every answer carries OpenAI's
 * `x-ratelimit-*` headers; over a limit → 429 `rate_limit_exceeded` with `retry-after` and
 * `retry-after-ms`.
 *
 * Runs after API-key auth (it needs the key) and after the body limit (it reads `n` from the
 * buffered body).
 *
 * @example
 * app.use("/v1/*", apiKeyAuth(), bodyLimit({ maxBytes }), rateLimit());
 *
 * @module
 */
import { ImageGenerationRequest } from "@limner/contracts";
import type { MiddlewareHandler } from "hono";
import { apiError } from "../../api-error";
import { edgeConfig } from "../../config";
import type { EdgeEnv } from "../../env";
import { rateLimitHeaders, rateLimitMessage } from "../../limits/rate-limit-headers";

/** `METHOD path` of the endpoints that produce images, and so use the images quota. */
export const IMAGE_ENDPOINTS: ReadonlySet<string> = new Set(["POST /v1/images/generations"]);

/**
 * The images a request asks for: its `n` when that is valid, else 1 — a malformed body or `n`
 * is left for validation to report, and is still counted as one image.
 */
export async function requestedImages(request: Request): Promise<number> {
  let body: unknown;
  try {
    body = await request.clone().json();
  } catch {
    return 1;
  }
  const n = typeof body === "object" && body !== null && "n" in body ? body.n : undefined;
  const parsed = ImageGenerationRequest.shape.n.safeParse(n);
  return parsed.success ? parsed.data : 1;
}

export function rateLimit(): MiddlewareHandler<EdgeEnv> {
  return async function rateLimit(c, next) {
    const key = c.var.apiKey;
    const { defaultLimits } = edgeConfig(c.env);
    const images = IMAGE_ENDPOINTS.has(`${c.req.method} ${c.req.path}`)
      ? await requestedImages(c.req.raw)
      : null;
    const limiter = c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(key.id));
    const verdict = await limiter.admit({
      requestsPerMinute: key.limits.requestsPerMinute ?? defaultLimits.requestsPerMinute,
      imagesPerMinute: key.limits.imagesPerMinute ?? defaultLimits.imagesPerMinute,
      images,
    });
    const headers = rateLimitHeaders(verdict);
    if (!verdict.allowed) {
      throw apiError(
        "rate_limit_exceeded",
        rateLimitMessage(verdict, key.prefix),
        // Only a request that could never fit is the fault of a field.
        verdict.retryAfterMs === null ? "n" : null,
        headers,
      );
    }
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    await next();
  };
}
