/**
 * OpenAI's rate-limit headers (https://platform.openai.com/docs/guides/rate-limits): a
 * `limit` / `remaining` / `reset` trio per quota, `reset` written as a Go-style duration
 * ("1s", "59.5s", "1m0.3s", "20ms"), plus `retry-after` (whole seconds, rounded up, as HTTP
 * says) and `retry-after-ms` on a 429, which openai-node and others honour for their back-off.
 *
 * Stock clients only honour a hint below 60 s: openai-node's `retryRequest` uses
 * `retry-after-ms` when `0 <= ms < 60_000`, the AI SDK's `getRetryDelayInMs` the same, and
 * anything longer falls back to their own 0.5–8 s (2–4 s) back-off, which fails again. The
 * window bounds every wait by 60 s (`sliding-window.ts`); the hint is sent as at most
 * {@link MAX_RETRY_HINT_MS}. A 429 that can never pass says so with `x-should-retry: false`,
 * which openai-node's `shouldRetry` obeys before looking at the status.
 *
 * @module
 */
import type { AdmitVerdict, Quota } from "./sliding-window";

/** The longest `retry-after-ms` sent: openai-node and the AI SDK ignore 60 000 and above. */
export const MAX_RETRY_HINT_MS = 59_999;

/** `1500` → `"1.5s"`, `61000` → `"1m1s"`, `20` → `"20ms"`. */
export function formatDuration(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole < 1000) return `${whole}ms`;
  const minutes = Math.floor(whole / 60_000);
  const seconds = (whole - minutes * 60_000) / 1000;
  const secondsText = `${Number(seconds.toFixed(3))}s`;
  return minutes > 0 ? `${minutes}m${secondsText}` : secondsText;
}

function trio(name: "requests" | "images", quota: Quota): Record<string, string> {
  return {
    [`x-ratelimit-limit-${name}`]: String(quota.limit),
    [`x-ratelimit-remaining-${name}`]: String(quota.remaining),
    [`x-ratelimit-reset-${name}`]: formatDuration(quota.resetMs),
  };
}

/**
 * The headers for a decision: the quotas always; when refused, the retry hints, or
 * `x-should-retry: false` when the request can never pass.
 */
export function rateLimitHeaders(verdict: AdmitVerdict): Record<string, string> {
  const headers = {
    ...trio("requests", verdict.requests),
    ...(verdict.images ? trio("images", verdict.images) : {}),
  };
  if (verdict.allowed) return headers;
  if (verdict.retryAfterMs === null) return { ...headers, "x-should-retry": "false" };
  // The window never makes a request wait more than 60 s; a wait of exactly 60 000 ms (refused
  // in the millisecond of the admission it waits for) is sent 1 ms short, and the retry's own
  // round trip covers that millisecond.
  const retryMs = Math.min(MAX_RETRY_HINT_MS, Math.max(1, Math.ceil(verdict.retryAfterMs)));
  return {
    ...headers,
    "retry-after": String(Math.ceil(retryMs / 1000)),
    "retry-after-ms": String(retryMs),
  };
}

/** OpenAI's wording: "Rate limit reached for requests per minute: Limit 50, Used 50, Requested 1. …". */
export function rateLimitMessage(verdict: AdmitVerdict, keyPrefix: string): string {
  const what = verdict.exceeded === "images" ? "images per minute" : "requests per minute";
  const quota = verdict.exceeded === "images" ? verdict.images : verdict.requests;
  const numbers = `Limit ${quota?.limit ?? 0}, Used ${verdict.used}, Requested ${verdict.requested}`;
  if (verdict.retryAfterMs === null) {
    return `Request too large for ${what} on API key ${keyPrefix}…: ${numbers}. It can never be admitted, so retrying will not help: ask for fewer images (n) per request.`;
  }
  return `Rate limit reached for ${what} on API key ${keyPrefix}…: ${numbers}. Please try again in ${formatDuration(verdict.retryAfterMs)}.`;
}
