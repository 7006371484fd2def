/**
 * Refuses request bodies over `maxBytes` with 413 `payload_too_large`, counting the bytes
 * actually received so chunked bodies (no `Content-Length`) cannot slip past. Unlike a plain
 * count-and-throw, the rest of an oversize stream is read and dropped (up to a cap) before
 * answering: abandoning a half-read body breaks the connection it arrived on (seen with
 * workerd's dev proxy, which then fails the request with its own 503 instead of our 413).
 * A body that does not arrive in time — a slowloris client trickling bytes, or one that stalls —
 * is answered 408 `request_timeout` and dropped, so a client without a key (image bodies are read
 * before the key check) cannot hold a request open. The default allows 10 s plus 1 s per MiB of
 * the limit (11 s for JSON, 42 s for a 32 MiB upload).
 * A body an earlier `bodyLimit` buffered (for a route that needs it before the general limit
 * runs) is not read again; its size is checked against this limit too.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { apiError } from "../../api-error";
import type { EdgeEnv } from "../../env";

export interface BodyLimitOptions {
  /** A fixed limit, or one per request path. */
  maxBytes: number | ((path: string) => number);
  /** How much of an oversize body is drained before giving up on the connection. */
  maxDrainBytes?: number;
  /** How long the whole body may take to arrive, from the first read. */
  timeoutMs?: number;
}

const MIB = 1024 * 1024;

/** The size of each request body a `bodyLimit` has buffered. */
const bufferedBytes = new WeakMap<Request, number>();

export function bodyLimit(options: BodyLimitOptions): MiddlewareHandler<EdgeEnv> {
  return async function bodyLimit(c, next) {
    const maxBytes =
      typeof options.maxBytes === "number" ? options.maxBytes : options.maxBytes(c.req.path);
    const maxDrainBytes = options.maxDrainBytes ?? 32 * maxBytes;
    const tooLarge = () =>
      apiError("payload_too_large", `Request bodies are limited to ${maxBytes} bytes.`);
    const body = c.req.raw.body;
    if (!body) return next();
    const alreadyBuffered = bufferedBytes.get(c.req.raw);
    if (alreadyBuffered !== undefined) {
      if (alreadyBuffered > maxBytes) throw tooLarge();
      return next();
    }
    const declared = Number(c.req.header("content-length") ?? Number.NaN);
    // A declared length is refused unread; the platform discards the unread body.
    if (declared > maxBytes) throw tooLarge();
    const reader = body.getReader();
    const timeoutMs = options.timeoutMs ?? 10_000 + Math.ceil(maxBytes / MIB) * 1_000;
    const deadline = Date.now() + timeoutMs;
    const chunks: Uint8Array[] = [];
    let received = 0;
    for (;;) {
      const next = await readBefore(reader, deadline);
      if (next === "timeout") {
        void reader.cancel().catch(() => {});
        throw apiError(
          "request_timeout",
          `The request body did not arrive within ${timeoutMs / 1000} s.`,
        );
      }
      const { done, value } = next;
      if (done) break;
      received += value.byteLength;
      if (received > maxBytes) {
        await drain(reader, maxDrainBytes - received);
        throw tooLarge();
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(received);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    c.req.raw = new Request(c.req.raw, { body: bytes });
    bufferedBytes.set(c.req.raw, received);
    await next();
  };
}

/** The next chunk, or "timeout" if it has not come by `deadline`. */
function readBefore(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  deadline: number,
): Promise<ReadableStreamReadResult<Uint8Array> | "timeout"> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve("timeout"), Math.max(0, deadline - Date.now()));
    reader.read().then(
      (result) => {
        clearTimeout(timer);
        resolve(result);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

async function drain(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  budget: number,
): Promise<void> {
  let left = budget;
  while (left > 0) {
    const { done, value } = await reader.read();
    if (done) return;
    left -= value.byteLength;
  }
  await reader.cancel();
}
