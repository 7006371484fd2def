/**
 * The runtimes this edge may call. A call goes to one runtime; if that runtime cannot be
 * reached, or answers that it is overloaded or draining, the next is tried with the same request
 * id (runtimes deduplicate by it), so one dead or busy box does not fail requests while others
 * can serve.
 *
 * @module
 */
import { apiError } from "../api-error";
import { createRuntimeClient, type RuntimeClient } from "./runtime-client";
import { isConnectionFailure, isOverload, translateRuntimeError } from "./runtime-errors";

export interface RuntimePoolOptions {
  urls: readonly string[];
  serviceToken: string;
  fetch?: typeof fetch;
}

export class RuntimePool {
  readonly #options: RuntimePoolOptions;

  constructor(options: RuntimePoolOptions) {
    this.#options = options;
  }

  get urls(): readonly string[] {
    return this.#options.urls;
  }

  /**
   * Runs `call` against the first reachable runtime.
   *
   * @example
   * const models = await pool.call(requestId, (runtime) => runtime.models.query());
   */
  async call<T>(requestId: string, call: (runtime: RuntimeClient) => Promise<T>): Promise<T> {
    const { urls, serviceToken, fetch } = this.#options;
    for (const baseUrl of urls) {
      const client = createRuntimeClient({
        baseUrl,
        serviceToken,
        requestId,
        ...(fetch ? { fetch } : {}),
      });
      try {
        return await call(client);
      } catch (error) {
        if (isConnectionFailure(error)) continue;
        throw translateRuntimeError(error, baseUrl);
      }
    }
    throw apiError(
      "no_runtime_available",
      "No GPU runtime is reachable right now; retry shortly.",
      null,
      { "retry-after": "5" },
    );
  }
}
