/**
 * When to retry and how long to wait, following openai-node (`src/client.ts`, `shouldRetry` and
 * `retryRequest`): the server's `x-should-retry` wins; otherwise 408, 409, 429 and 5xx are
 * retried. The wait is the server's `retry-after-ms`, else `retry-after` (seconds or an HTTP
 * date), when it is between 0 and 60 s; else exponential backoff from 0.5 s, capped at 8 s, with
 * up to 25 % jitter so that many clients refused together do not come back together.
 *
 * @module
 */

const INITIAL_RETRY_DELAY_MS = 500;
const MAX_RETRY_DELAY_MS = 8_000;
const MAX_SERVER_DELAY_MS = 60_000;

/** Whether a response with these status and headers is worth sending again. */
export function shouldRetry(status: number, headers: Headers): boolean {
  const hint = headers.get("x-should-retry");
  if (hint === "true") return true;
  if (hint === "false") return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** What the server asked for, in ms, or `undefined` when it asked nothing usable. */
function serverDelayMs(headers: Headers | undefined, now: number): number | undefined {
  const ms = Number.parseFloat(headers?.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms)) return ms;
  const after = headers?.get("retry-after");
  if (!after) return undefined;
  const seconds = Number.parseFloat(after);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : date - now;
}

/**
 * How long to wait before retry number `retriesDone + 1`.
 *
 * @param random - injectable for tests; `Math.random` otherwise.
 */
export function retryDelayMs(
  retriesDone: number,
  headers: Headers | undefined,
  random: () => number = Math.random,
  now: number = Date.now(),
): number {
  const asked = serverDelayMs(headers, now);
  if (asked !== undefined && asked >= 0 && asked < MAX_SERVER_DELAY_MS) return asked;
  const delay = Math.min(INITIAL_RETRY_DELAY_MS * 2 ** retriesDone, MAX_RETRY_DELAY_MS);
  return delay * (1 - random() * 0.25);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
