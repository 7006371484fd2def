/**
 * The public port of a one-box Limner (`npm start`, `npm run serve:selfhost`, the e2e and fault
 * tests' stacks): a small HTTP proxy in front of workerd, which listens on loopback only.
 *
 * Why it exists: on Cloudflare a client that hangs up aborts the worker's `request.signal`, and
 * the edge aborts that request's runtime calls. Local workerd aborts `request.signal` only when
 * the request itself is cancelled, and its HTTP/1.1 server does not notice a client's EOF while
 * the worker is still computing a non-streaming answer (workerd
 * `src/workerd/io/worker-entrypoint.c++`; workerd PR #5062, "doesn't seem to work locally";
 * workers-sdk issue #6467) — so a non-streaming generation whose client left ran to the end and
 * was stored as `succeeded`. This proxy sees every client socket: it tags each forwarded request
 * with a fresh connection id (`x-limner-connection-id`, any such header from the client is
 * dropped, so nobody can name another's request) and, when the client closes before its answer
 * has been sent in full, calls the edge's `POST /internal/connections/<id>/cancel` with the
 * runtime service token (the secret the launcher already shares with the edge, and the one its
 * internal, machine-to-machine calls use; the admin token is an operator's credential and may be
 * absent). The edge then aborts the request's signal as Cloudflare would (see the edge's
 * `middleware/client-signal`).
 *
 * What it forwards: method, path and headers (without hop-by-hop ones; `Host` kept, so the edge
 * signs file URLs for the address clients used; `x-forwarded-for/-proto/-host` added), request
 * and response bodies streamed both ways unbuffered (server-sent events arrive as written).
 * Clients keep their connections alive; each request gets a fresh loopback connection to
 * workerd, so a client's close maps to exactly one upstream request and no reused idle socket
 * can be reset under a request. Slow clients: headers must arrive within
 * {@link HEADERS_TIMEOUT_MS}; the edge answers a body that trickles in with 408 on its own
 * deadline, and {@link REQUEST_TIMEOUT_MS} (above the edge's largest body deadline) is the
 * backstop.
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { CONNECTION_ID_HEADER, connectionCancelPath, errorEnvelope } from "@limner/contracts";

/** Like the runtime's `LIMNER_HEADERS_TIMEOUT_MS`: request headers must arrive this fast. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** Whole request, body included; the edge's own body deadline (10 s + 1 s per MiB, 32 MiB) ends first. */
export const REQUEST_TIMEOUT_MS = 120_000;
/** How long the cancel call may take. */
const CANCEL_TIMEOUT_MS = 10_000;

/** RFC 9110 §7.6.1 connection-specific fields, plus `expect` (this proxy answers 100-continue). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
]);

export interface FrontProxyOptions {
  /** Public address to listen on. */
  host: string;
  /** Public port; 0 lets the OS pick (see {@link FrontProxy.port}). */
  port: number;
  /** workerd's loopback URL, e.g. `http://127.0.0.1:40123`. */
  upstream: string;
  /** The edge's `RUNTIME_SERVICE_TOKEN`, for the cancel route. */
  serviceToken: string;
  onLine?: (line: string) => void;
}

export interface FrontProxy {
  /** `http://<host>:<port>` as clients call it. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Strips hop-by-hop fields, and those the `Connection` header names (RFC 9110 §7.6.1). */
function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = String(headers.connection ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase());
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.includes(name)) kept[name] = value;
  }
  return kept;
}

export function startFrontProxy(options: FrontProxyOptions): Promise<FrontProxy> {
  const upstream = new URL(options.upstream);
  const log = options.onLine ?? (() => {});

  const cancel = (id: string) => {
    fetch(new URL(connectionCancelPath(id), upstream), {
      method: "POST",
      headers: { authorization: `Bearer ${options.serviceToken}` },
      signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS),
    })
      .then((response) => {
        if (response.status !== 204) log(`[proxy] cancel of ${id} answered ${response.status}`);
        return response.body?.cancel();
      })
      .catch((error: Error) => log(`[proxy] cancel of ${id} failed: ${error.message}`));
  };

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const id = randomUUID();
    const headers = endToEnd(req.headers);
    delete headers[CONNECTION_ID_HEADER];
    headers[CONNECTION_ID_HEADER] = id;
    const forwardedFor = [req.headers["x-forwarded-for"], req.socket.remoteAddress]
      .filter(Boolean)
      .join(", ");
    headers["x-forwarded-for"] = forwardedFor;
    headers["x-forwarded-proto"] = "http";
    if (req.headers.host) headers["x-forwarded-host"] = req.headers.host;

    const upstreamRequest = httpRequest({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers,
      agent: false,
    });
    upstreamRequest.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers));
      // Server-sent events: the headers go now, not with the first event.
      res.flushHeaders();
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    });
    upstreamRequest.on("error", (error) => {
      // The edge may answer before a body has arrived (408) and close; that answer stands. A
      // client that left had its upstream request destroyed here: nothing to report.
      if (res.writableEnded || res.destroyed) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      log(`[proxy] edge did not answer ${req.method} ${req.url}: ${error.message}`);
      const body = JSON.stringify(
        errorEnvelope("upstream_error", "The edge is not answering; retry shortly."),
      );
      res.writeHead(502, { "content-type": "application/json", "retry-after": "1" }).end(body);
    });
    res.on("close", () => {
      if (res.writableFinished) return;
      // The client left before its whole answer was sent: cancel its work at the edge.
      cancel(id);
      upstreamRequest.destroy();
    });
    req.pipe(upstreamRequest);
  };

  const server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      // Node checks both timeouts every 30 s by default; a trickling client is cut off on time.
      connectionsCheckingInterval: 1000,
    },
    forward,
  );
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      const host = options.host.includes(":") ? `[${options.host}]` : options.host;
      resolve({
        url: `http://${host}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
