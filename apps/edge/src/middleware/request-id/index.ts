/**
 * Gives every request an id, echoed as `x-request-id` on every response (errors included) so
 * a user's report can be matched to logs. A well-formed id sent by the client is kept, which
 * lets retries and upstream proxies correlate; anything else is replaced.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { EdgeEnv } from "../../env";

const CLIENT_ID_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestId(): MiddlewareHandler<EdgeEnv> {
  return async function requestId(c, next) {
    const given = c.req.header("x-request-id");
    const id = given && CLIENT_ID_PATTERN.test(given) ? given : `req_${crypto.randomUUID()}`;
    c.set("requestId", id);
    c.header("x-request-id", id);
    await next();
  };
}
