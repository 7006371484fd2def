/**
 * The runtimes this edge may call, and which of them a call may go to.
 *
 * **Readiness.** A runtime is a candidate only when its own `health` says READY (or BUSY) and,
 * for a call about one model, it has that model loaded. Health is probed at most once a
 * second per runtime and isolate (`runtime-readiness.ts`); a runtime that is starting (loading
 * models after a restart) or draining is not called at all, so a restart is invisible to
 * clients while another runtime can serve.
 *
 * **Failover.** A call goes to the candidate with the least outstanding work (as seen from
 * this isolate). If that runtime cannot be reached, dies mid-call, answers that it is
 * overloaded, starting or draining, or says it does not have the model (it restarted with
 * other bundles, or its list changed since the probe), the next candidate is tried with the
 * same request id — runtimes attach a repeated id to the work already running, so nothing is
 * generated twice. None able → 503 `no_runtime_available` with `Retry-After`.
 *
 * @module
 */
import { ApiError, apiError } from "../api-error";
import { createRuntimeClient, type RuntimeClient } from "./runtime-client";
import {
  isConnectionFailure,
  isModelNotFound,
  isOverload,
  translateRuntimeError,
} from "./runtime-errors";
import { type ReadinessView, RuntimeReadiness } from "./runtime-readiness";

export interface RuntimePoolOptions {
  urls: readonly string[];
  serviceToken: string;
  fetch?: typeof fetch;
  /**
   * The client's request signal: when the client hangs up, every runtime call of its request is
   * aborted — the runtime's batch queue drops it, or its denoising loop stops at the next step —
   * and nothing is retried on another runtime.
   */
  signal?: AbortSignal;
}

export interface CallOptions {
  /** Only runtimes with this model loaded are candidates. */
  model?: string;
  /**
   * Call runtimes whatever their readiness (the edge's own `/readyz` reports a starting
   * runtime's health instead of refusing).
   */
  anyState?: boolean;
}

/** The client went away: nothing is retried, and the generation is recorded as cancelled. */
export function clientClosed(): ApiError {
  return apiError("client_closed_request", "The client closed the request before it finished.");
}

/** A runtime that failed to answer is tried last for this long. */
const UNHEALTHY_FOR_MS = 10_000;

// Isolate-wide bookkeeping shared by every request this isolate serves.
const outstanding = new Map<string, number>();
const unhealthyUntil = new Map<string, number>();
const readiness = new RuntimeReadiness();

export class RuntimePool {
  readonly #options: RuntimePoolOptions;

  constructor(options: RuntimePoolOptions) {
    this.#options = options;
  }

  /** Logs the client's hang-up once, with the request id (what was cancelled, and why). */
  logHangUp(requestId: string): void {
    this.#options.signal?.addEventListener(
      "abort",
      () =>
        console.log(
          JSON.stringify({ level: "info", requestId, message: "client closed the request" }),
        ),
      { once: true },
    );
  }

  #client(baseUrl: string, requestId: string): RuntimeClient {
    const { serviceToken, signal } = this.#options;
    const base = this.#options.fetch ?? fetch;
    const withSignal: typeof fetch | undefined = signal
      ? (input, init) =>
          base(input, {
            ...init,
            signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal,
          })
      : this.#options.fetch;
    return createRuntimeClient({
      baseUrl,
      serviceToken,
      requestId,
      ...(withSignal ? { fetch: withSignal } : {}),
    });
  }

  /** Runtimes in the order a new call should try them (least loaded healthy first). */
  order(urls: readonly string[] = this.#options.urls, now = Date.now()): string[] {
    const healthy = (url: string) => ((unhealthyUntil.get(url) ?? 0) <= now ? 0 : 1);
    return [...urls].sort(
      (a, b) => healthy(a) - healthy(b) || (outstanding.get(a) ?? 0) - (outstanding.get(b) ?? 0),
    );
  }

  /**
   * The runtimes a call may go to: ready ones serving `model` first. When no probe could
   * answer at all (a slow network, not a known state), the unprobed ones are tried rather
   * than refusing; a runtime known to be starting or draining never is.
   */
  async #candidates(requestId: string, options: CallOptions): Promise<string[]> {
    const { urls } = this.#options;
    if (options.anyState) return this.order();
    const views = await readiness.views(urls, (url) => this.#client(url, requestId));
    const serving = (view: ReadinessView) =>
      view.state === "ready" &&
      (options.model === undefined || view.models.includes(options.model));
    const ready = urls.filter((_, i) => serving(views[i] as ReadinessView));
    if (ready.length > 0) return this.order(ready);
    // A model no ready runtime lists: ask the ready ones anyway, so the answer is theirs (404).
    const anyReady = urls.filter((_, i) => views[i]?.state === "ready");
    if (anyReady.length > 0) return this.order(anyReady);
    return this.order(urls.filter((_, i) => views[i]?.state === "unknown"));
  }

  /**
   * Runs `call` against the best runtime, failing over as described above.
   *
   * @example
   * const models = await pool.call(requestId, (runtime) => runtime.models.query());
   */
  async call<T>(
    requestId: string,
    call: (runtime: RuntimeClient) => Promise<T>,
    options: CallOptions = {},
  ): Promise<T> {
    let refused: { error: unknown; baseUrl: string } | undefined;
    for (const baseUrl of await this.#candidates(requestId, options)) {
      outstanding.set(baseUrl, (outstanding.get(baseUrl) ?? 0) + 1);
      try {
        const result = await call(this.#client(baseUrl, requestId));
        unhealthyUntil.delete(baseUrl);
        return result;
      } catch (error) {
        if (error instanceof ApiError) throw error;
        if (this.#options.signal?.aborted) throw clientClosed();
        if (isConnectionFailure(error)) {
          unhealthyUntil.set(baseUrl, Date.now() + UNHEALTHY_FOR_MS);
          readiness.forget(baseUrl);
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
        if (isOverload(error) || isModelNotFound(error)) {
          // Starting, draining, full, or without the model: its state changed since the probe.
          // A retryable refusal is what the client hears if no other runtime takes the call.
          readiness.forget(baseUrl);
          if (!refused || !isOverload(refused.error)) refused = { error, baseUrl };
          continue;
        }
        throw translateRuntimeError(error, requestId);
      } finally {
        outstanding.set(baseUrl, (outstanding.get(baseUrl) ?? 1) - 1);
      }
    }
    if (refused) throw translateRuntimeError(refused.error, requestId);
    throw apiError(
      "no_runtime_available",
      "No GPU runtime is ready right now; retry shortly.",
      null,
      { "retry-after": "2" },
    );
  }
}
