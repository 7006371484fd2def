/**
 * The per-key limit arithmetic, free of any runtime API so it can be tested with plain numbers.
 * The Durable Object in `keys/key-authority.ts` owns one {@link KeyWindow} per API key and calls
 * {@link admit} for every request, which is what makes check-and-count atomic.
 *
 * The window is a sliding 60 s window counted in 1 s buckets. A bucket remembers when it last
 * admitted something and stays counted until 60 s after that, so every admitted request
 * occupies its slot for 60–61 s, never less: in no 60 s span are more than `limit` requests
 * admitted, and memory stays at most 61 buckets per resource whatever the limit. Counting from
 * the bucket's last admission (not from the end of its second) also bounds every wait by 60 s,
 * which is what lets stock clients honour the retry hint (`rate-limit-headers.ts`).
 *
 * @module
 */

/** The span a limit applies to. */
export const WINDOW_MS = 60_000;
const BUCKET_MS = 1_000;

/** `[bucket index (epoch second), amount counted in it, last admission (epoch ms)]`, oldest first. */
export type Bucket = [second: number, amount: number, lastMs: number];

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

/** A stored window, or an empty one when `value` is not one (a first call, or garbage). */
export function restoreWindow(value: unknown): KeyWindow {
  if (typeof value !== "object" || value === null) return emptyWindow();
  if (!("requests" in value) || !("images" in value)) return emptyWindow();
  const requests = restoreBuckets(value.requests);
  const images = restoreBuckets(value.images);
  return requests && images ? { requests, images } : emptyWindow();
}

function restoreBuckets(value: unknown): Bucket[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const buckets: Bucket[] = [];
  for (const b of value) {
    if (!Array.isArray(b) || (b.length !== 2 && b.length !== 3)) return undefined;
    const [second, amount, lastMs] = b as unknown[];
    if (!Number.isInteger(second) || !Number.isInteger(amount) || (amount as number) <= 0)
      return undefined;
    const s = second as number;
    // Windows stored before buckets kept their last admission: assume the end of the second.
    const last = b.length === 3 ? lastMs : s * BUCKET_MS + BUCKET_MS - 1;
    if (!Number.isInteger(last) || Math.floor((last as number) / BUCKET_MS) !== s) return undefined;
    buckets.push([s, amount as number, last as number]);
  }
  return buckets;
}

/** When a bucket stops being counted: a full window after its last admission. */
function expiryMs([, , lastMs]: Bucket): number {
  return lastMs + WINDOW_MS;
}

function prune(buckets: Bucket[], nowMs: number): Bucket[] {
  return buckets.filter((bucket) => expiryMs(bucket) > nowMs);
}

function used(buckets: Bucket[]): number {
  return buckets.reduce((sum, [, amount]) => sum + amount, 0);
}

function add(buckets: Bucket[], nowMs: number, amount: number): Bucket[] {
  const second = Math.floor(nowMs / BUCKET_MS);
  const last = buckets.at(-1);
  if (last && last[0] === second)
    return [...buckets.slice(0, -1), [second, last[1] + amount, Math.max(last[2], nowMs)]];
  return [...buckets, [second, amount, nowMs]];
}

function resetMs(buckets: Bucket[], nowMs: number): number {
  const newest = buckets.at(-1);
  return newest ? Math.max(0, expiryMs(newest) - nowMs) : 0;
}

/** How long until `cost` more fits under `limit`: 0 now, at most {@link WINDOW_MS}, `null` never. */
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
  for (const bucket of buckets) {
    freed += bucket[1];
    if (freed >= excess) return Math.max(0, expiryMs(bucket) - nowMs);
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
