/**
 * The per-key limit arithmetic, free of any runtime API so it can be tested with plain numbers.
 * The Durable Object in `keys/key-authority.ts` owns one {@link KeyWindow} per API key and calls
 * {@link admit} for every request, which is what makes check-and-count atomic.
 *
 * The window is a sliding 60 s window counted in 1 s buckets. A bucket stays counted until the
 * end of the 61st second after it, so every admitted request occupies its slot for more than
 * 60 s (60–61 s): in no 60 s span are more than `limit` requests admitted, and memory stays at
 * most 61 buckets per resource whatever the limit.
 *
 * @module
 */

/** The span a limit applies to. */
export const WINDOW_MS = 60_000;
const BUCKET_MS = 1_000;
const BUCKETS_PER_WINDOW = WINDOW_MS / BUCKET_MS;

/** `[bucket index (epoch second), amount counted in it]`, oldest first. */
export type Bucket = [second: number, amount: number];

/** What one key has been admitted recently: requests, and images produced. */
export interface KeyWindow {
  requests: Bucket[];
  images: Bucket[];
}

/** One request's ask: the effective limits for the key, and how many images it produces. */
export interface AdmitRequest {
  requestsPerMinute: number;
  imagesPerMinute: number;
  /** Images the request produces; `null` when the endpoint produces none (no images quota). */
  images: number | null;
}

/** The state of one quota after the decision, for the `x-ratelimit-*` headers. */
export interface Quota {
  limit: number;
  remaining: number;
  /** Until the quota is whole again (every counted bucket has left the window). */
  resetMs: number;
}

export interface AdmitVerdict {
  allowed: boolean;
  /** When refused: which quota refused it (requests first). */
  exceeded: "requests" | "images" | null;
  /** Used and asked of the quota that refused, for the message. */
  used: number;
  requested: number;
  requests: Quota;
  images: Quota | null;
  /**
   * When refused: the wait after which the same request would be admitted, or `null` when it
   * never can (it asks for more images than the limit allows in a whole window).
   */
  retryAfterMs: number | null;
}

export function emptyWindow(): KeyWindow {
  return { requests: [], images: [] };
}

/** A stored window, or an empty one when `value` is not one (a first call, or an old format). */
export function restoreWindow(value: unknown): KeyWindow {
  if (typeof value !== "object" || value === null) return emptyWindow();
  if (!("requests" in value) || !("images" in value)) return emptyWindow();
  const { requests, images } = value;
  return isBuckets(requests) && isBuckets(images) ? { requests, images } : emptyWindow();
}

function isBuckets(value: unknown): value is Bucket[] {
  return (
    Array.isArray(value) &&
    value.every(
      (b) =>
        Array.isArray(b) &&
        b.length === 2 &&
        Number.isInteger(b[0]) &&
        Number.isInteger(b[1]) &&
        b[1] > 0,
    )
  );
}

/** The first bucket still counted at `nowMs`: the current second and the 60 before it. */
function oldestCountedSecond(nowMs: number): number {
  return Math.floor(nowMs / BUCKET_MS) - BUCKETS_PER_WINDOW;
}

/** When bucket `second` stops being counted. */
function expiryMs(second: number): number {
  return (second + BUCKETS_PER_WINDOW + 1) * BUCKET_MS;
}

function prune(buckets: Bucket[], nowMs: number): Bucket[] {
  const oldest = oldestCountedSecond(nowMs);
  return buckets.filter(([second]) => second >= oldest);
}

function used(buckets: Bucket[]): number {
  return buckets.reduce((sum, [, amount]) => sum + amount, 0);
}

function add(buckets: Bucket[], nowMs: number, amount: number): Bucket[] {
  const second = Math.floor(nowMs / BUCKET_MS);
  const last = buckets.at(-1);
  if (last && last[0] === second) return [...buckets.slice(0, -1), [second, last[1] + amount]];
  return [...buckets, [second, amount]];
}

function resetMs(buckets: Bucket[], nowMs: number): number {
  const newest = buckets.at(-1);
  return newest ? Math.max(0, expiryMs(newest[0]) - nowMs) : 0;
}

/** How long until `cost` more fits under `limit`: 0 now, `null` never. */
export function waitMs(
  buckets: Bucket[],
  nowMs: number,
  limit: number,
  cost: number,
): number | null {
  if (cost > limit) return null;
  const excess = used(buckets) + cost - limit;
  if (excess <= 0) return 0;
  let freed = 0;
  for (const [second, amount] of buckets) {
    freed += amount;
    if (freed >= excess) return Math.max(0, expiryMs(second) - nowMs);
  }
  return null;
}

function quota(buckets: Bucket[], nowMs: number, limit: number): Quota {
  return {
    limit,
    remaining: Math.max(0, limit - used(buckets)),
    resetMs: resetMs(buckets, nowMs),
  };
}

/**
 * Decides one request and returns the window to keep. Admission is all or nothing: a request
 * refused for images does not use up a request either.
 *
 * @example
 * let window = emptyWindow();
 * const { verdict, next } = admit(window, { requestsPerMinute: 60, imagesPerMinute: 30, images: 2 }, Date.now());
 * window = next; // verdict.allowed === true, verdict.images?.remaining === 28
 */
export function admit(
  window: KeyWindow,
  request: AdmitRequest,
  nowMs: number,
): { verdict: AdmitVerdict; next: KeyWindow } {
  const requests = prune(window.requests, nowMs);
  const images = prune(window.images, nowMs);
  const requestWait = waitMs(requests, nowMs, request.requestsPerMinute, 1);
  const imageWait =
    request.images === null ? 0 : waitMs(images, nowMs, request.imagesPerMinute, request.images);
  const allowed = requestWait === 0 && imageWait === 0;
  const next: KeyWindow = allowed
    ? {
        requests: add(requests, nowMs, 1),
        images: request.images === null ? images : add(images, nowMs, request.images),
      }
    : { requests, images };
  const exceeded = allowed ? null : requestWait !== 0 ? "requests" : "images";
  const verdict: AdmitVerdict = {
    allowed,
    exceeded,
    used: exceeded === "images" ? used(images) : used(requests),
    requested: exceeded === "images" ? (request.images ?? 0) : 1,
    requests: quota(next.requests, nowMs, request.requestsPerMinute),
    images: request.images === null ? null : quota(next.images, nowMs, request.imagesPerMinute),
    retryAfterMs: allowed
      ? 0
      : requestWait === null || imageWait === null
        ? null
        : Math.max(requestWait, imageWait),
  };
  return { verdict, next };
}
