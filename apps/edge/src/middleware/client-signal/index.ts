/**
 * Sets `c.var.signal`: the one signal that says "the client is gone", for every runtime call of
 * the request. It is the request's own `request.signal` (aborted by Cloudflare when the client
 * disconnects; the worker runs with `enable_request_signal`), combined — when the request came
 * through the one-box front proxy with a connection id (`x-limner-connection-id`) — with an
 * abort the proxy triggers through `POST /internal/connections/<id>/cancel` once that client's
 * socket closes. The second path exists because local workerd does not abort `request.signal`
 * for a client that hangs up on a non-streaming request (see `connections/connection-registry`).
 *
 * The registration lasts as long as the request: until the handler has answered, or — for a
 * server-sent-events answer, which is still being produced after that — until the handler
 * producing the stream has finished.
 *
 * @example
 * app.use(clientSignal());
 * app.get("/slow", (c) => work({ signal: c.var.signal }));
 *
 * @module
 */
import { CONNECTION_ID_HEADER, CONNECTION_ID_PATTERN } from "@limner/contracts";
import type { Context, MiddlewareHandler } from "hono";
import { type ConnectionRegistry, connections } from "../../connections/connection-registry";
import type { EdgeEnv } from "../../env";

export function clientSignal(
  registry: ConnectionRegistry = connections,
): MiddlewareHandler<EdgeEnv> {
  return async function clientSignal(c, next) {
    const id = c.req.header(CONNECTION_ID_HEADER);
    const registration = id && CONNECTION_ID_PATTERN.test(id) ? registry.register(id) : undefined;
    c.set(
      "signal",
      registration ? AbortSignal.any([c.req.raw.signal, registration.signal]) : c.req.raw.signal,
    );
    // Where the client's hang-up cancels the request itself (Cloudflare), the platform cancels
    // the request's remaining tasks unless `waitUntil` holds them (Cloudflare's Workers
    // context docs): keep the request's context until its own work has settled, so a cancelled
    // generation is still recorded as cancelled rather than left for the reconciler. (Locally
    // the rows were settled with or without this; it is for Cloudflare.)
    let settle = () => {};
    keepAlive(
      c,
      new Promise<void>((resolve) => {
        settle = resolve;
      }),
    );
    const done = () => {
      registration?.release();
      settle();
    };
    let streaming = false;
    try {
      await next();
      const { body } = c.res;
      if (body && c.res.headers.get("content-type")?.startsWith("text/event-stream")) {
        c.res = new Response(untilProducerEnds(body, done), c.res);
        streaming = true;
      }
    } finally {
      if (!streaming) done();
    }
  };
}

function keepAlive(c: Context<EdgeEnv>, work: Promise<void>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context (an in-process test's `app.request`): nothing to keep alive.
  }
}

/**
 * The events of `body` unchanged; `done` runs once the handler producing them has finished. A
 * client that goes away cancels only this end: the rest is read and dropped, so the handler's
 * own clean-up (recording the cancellation) runs to its end rather than dying with the stream.
 */
function untilProducerEnds(body: ReadableStream<Uint8Array>, done: () => void) {
  const reader = body.getReader();
  const drain = async () => {
    try {
      while (!(await reader.read()).done) {}
    } catch {
      // The producer failed: it has finished all the same.
    }
    done();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read();
        if (chunk.done) {
          controller.close();
          done();
        } else controller.enqueue(chunk.value);
      } catch (error) {
        controller.error(error);
        done();
      }
    },
    cancel() {
      void drain();
    },
  });
}
