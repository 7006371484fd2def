/**
 * The runtimes this edge may call. A call goes to the healthy runtime with the least
 * outstanding work (as seen from this isolate); if that runtime cannot be reached, dies
 * mid-call, or answers that it is overloaded or draining, the next is tried with the same
 * request id (runtimes deduplicate by it), so one dead or busy box does not fail requests while
 * others can serve. None able → 503 with `Retry-After`.
 *
 * @module
 */
import { ApiError, apiError } from "../api-error";
import { createRuntimeClient, type RuntimeClient } from "./runtime-client";
import { isConnectionFailure, isOverload, translateRuntimeError } from "./runtime-errors";

export interface RuntimePoolOptions {
  urls: readonly string[];
  serviceToken: string;
  fetch?: typeof fetch;
}

/** A runtime that failed to answer is tried last for this long. */
const UNHEALTHY_FOR_MS = 10_000;

// Isolate-wide bookkeeping shared by every request this isolate serves.
const outstanding = new Map<string, number>();
const unhealthyUntil = new Map<string, number>();

export class RuntimePool {
  readonly #options: RuntimePoolOptions;

  constructor(options: RuntimePoolOptions) {
    this.#options = options;
  }

  /** Runtimes in the order a new call should try them. */
  order(now = Date.now()): string[] {
    const healthy = (url: string) => ((unhealthyUntil.get(url) ?? 0) <= now ? 0 : 1);
    return [...this.#options.urls].sort(
      (a, b) => healthy(a) - healthy(b) || (outstanding.get(a) ?? 0) - (outstanding.get(b) ?? 0),
    );
  }

  /**
   * Runs `call` against the best runtime, failing over as described above.
   *
   * @example
   * const models = await pool.call(requestId, (runtime) => runtime.models.query());
   */
  async call<T>(requestId: string, call: (runtime: RuntimeClient) => Promise<T>): Promise<T> {
    const { serviceToken, fetch } = this.#options;
    let overloaded: { error: unknown; baseUrl: string } | undefined;
    for (const baseUrl of this.order()) {
      const client = createRuntimeClient({
        baseUrl,
        serviceToken,
        requestId,
        ...(fetch ? { fetch } : {}),
      });
      outstanding.set(baseUrl, (outstanding.get(baseUrl) ?? 0) + 1);
      try {
        const result = await call(client);
        unhealthyUntil.delete(baseUrl);
        return result;
      } catch (error) {
        if (error instanceof ApiError) throw error;
        if (isConnectionFailure(error)) {
          unhealthyUntil.set(baseUrl, Date.now() + UNHEALTHY_FOR_MS);
          console.warn(
            JSON.stringify({
              level: "warn",
              requestId,
              runtime: baseUrl,
              message: `runtime call failed, trying the next: ${String(error)}`,
            }),
          );
          continue;
        }
        if (isOverload(error)) {
          overloaded = { error, baseUrl };
          continue;
        }
        throw translateRuntimeError(error, baseUrl);
      } finally {
        outstanding.set(baseUrl, (outstanding.get(baseUrl) ?? 1) - 1);
      }
    }
    if (overloaded) throw translateRuntimeError(overloaded.error, overloaded.baseUrl);
    throw apiError(
      "no_runtime_available",
      "No GPU runtime is reachable right now; retry shortly.",
      null,
      { "retry-after": "5" },
    );
  }
}
