/**
 * What the one-box front proxy (packages/dev-stack's `front-proxy.ts`) and the edge agree on to
 * cancel the work of a client that hung up: a connection id the proxy puts on every request it
 * forwards, and the internal route it calls, with the runtime service token, when that client's
 * socket closes before its answer was sent. Local workerd does not abort `request.signal` for a
 * non-streaming request whose client went away; Cloudflare does, so there nothing calls this.
 *
 * @module
 */

/** Request header naming the client connection a request arrived on (set by the proxy only). */
export const CONNECTION_ID_HEADER = "x-limner-connection-id";

/** Well-formed connection ids: the proxy sends UUIDs; anything else is ignored by the edge. */
export const CONNECTION_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * Path of the internal route that cancels the request on connection `id` (`POST`, answered 204
 * whether or not a request was still running there).
 *
 * @example
 * ```ts
 * connectionCancelPath("3f1c…"); // "/internal/connections/3f1c…/cancel"
 * ```
 */
export function connectionCancelPath(id: string): string {
  return `/internal/connections/${encodeURIComponent(id)}/cancel`;
}
