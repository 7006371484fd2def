/**
 * OpenAI's rate-limit headers (https://platform.openai.com/docs/guides/rate-limits): a
 * `limit` / `remaining` / `reset` trio per quota, `reset` written as a Go-style duration
 * ("1s", "59.5s", "1m0.3s", "20ms"), plus `retry-after` (whole seconds, rounded up, as HTTP
 * says) and `retry-after-ms` on a 429, which openai-node and others honour for their back-off.
 *
 * @module
 */
import type { AdmitVerdict, Quota } from "./sliding-window";

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

/** The headers for a decision: the quotas always, the retry hints when refused and retryable. */
export function rateLimitHeaders(verdict: AdmitVerdict): Record<string, string> {
  const headers = {
    ...trio("requests", verdict.requests),
    ...(verdict.images ? trio("images", verdict.images) : {}),
  };
  if (verdict.allowed || verdict.retryAfterMs === null) return headers;
  const retryMs = Math.max(1, Math.ceil(verdict.retryAfterMs));
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
    return `Request too large for ${what} on API key ${keyPrefix}…: ${numbers}. Ask for fewer images (n) per request.`;
  }
  return `Rate limit reached for ${what} on API key ${keyPrefix}…: ${numbers}. Please try again in ${formatDuration(verdict.retryAfterMs)}.`;
}
