/**
 * CORS for the API (`/v1/*`, `/trpc/*`), so browser apps — the official `openai` client with
 * `dangerouslyAllowBrowser` included — can call the edge directly.
 *
 * Preflights are answered with whatever headers the browser asks for (hono/cors echoes
 * `Access-Control-Request-Headers` when no list is given): the `openai` client sends a dozen
 * `x-stainless-*` headers whose set changes between releases (`x-stainless-retry-count`,
 * `-timeout`, `-helper-method`, …), plus `openai-organization`, `openai-project`,
 * `idempotency-key`; a fixed list would break the next release. No credentials are involved —
 * keys travel in `Authorization`, never in cookies — so echoing is safe with origin `*`.
 *
 * @example
 * app.use("/v1/*", apiCors());
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/** Response headers browser clients read: request ids, retry hints, rate limits. */
export const EXPOSED_HEADERS: readonly string[] = [
  "x-request-id",
  "retry-after",
  "retry-after-ms",
  "x-should-retry",
  "x-ratelimit-limit-requests",
  "x-ratelimit-remaining-requests",
  "x-ratelimit-reset-requests",
  "x-ratelimit-limit-images",
  "x-ratelimit-remaining-images",
  "x-ratelimit-reset-images",
  "openai-processing-ms",
  "openai-version",
];

/** Every method the API answers; `OPTIONS` is the preflight itself. */
const ALLOWED_METHODS = ["GET", "HEAD", "POST", "DELETE", "OPTIONS"];

export function apiCors(): MiddlewareHandler {
  return cors({
    origin: "*",
    allowMethods: ALLOWED_METHODS,
    // Left empty on purpose: the preflight's requested headers are allowed (see above).
    allowHeaders: [],
    exposeHeaders: [...EXPOSED_HEADERS],
    maxAge: 600,
  });
}
