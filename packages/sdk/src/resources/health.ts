/** `limner.health`: the edge's readiness probe (`GET /readyz`, no credentials). @module */
import { EdgeReadiness } from "@limner/contracts";
import { APIResource } from "../core/resource";
import type { RequestOptions } from "../core/transport";

export class Health extends APIResource {
  /**
   * Whether the deployment could serve a generation now. A `not_ready` edge answers 503, which
   * throws `InternalServerError`; a probe is not retried unless asked, so it reports promptly.
   */
  check(options?: RequestOptions): Promise<EdgeReadiness> {
    return this._transport.json(
      { method: "GET", path: "/readyz", root: true, auth: "none", maxRetries: 0, ...options },
      EdgeReadiness,
    );
  }
}
