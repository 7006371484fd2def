/**
 * The requests in flight in this isolate by client connection id, so that the one-box front
 * proxy can cancel the work of a client that hung up (see `middleware/client-signal`).
 *
 * Why: Cloudflare aborts `request.signal` when a client disconnects, but local workerd (what
 * `npm start` and `npm run serve:selfhost` run) aborts it only when the request itself is
 * cancelled, and its HTTP/1.1 server does not notice a client's EOF while the worker is still
 * computing a non-streaming answer (workerd `src/workerd/io/worker-entrypoint.c++`; workerd PR
 * #5062; workers-sdk issue #6467). The proxy sees the close and calls the edge's internal cancel
 * route, which lands here. workerd runs one isolate per worker locally, so the cancel call and
 * the request share this registry.
 *
 * The cancel call cannot abort the request's controller itself: that would run the request's
 * abort listeners (its fetches' cancelers) from another request's context, which workerd refuses
 * ("Cannot perform I/O on behalf of a different request"). It resolves a promise the request
 * created instead; workerd runs the continuation — the abort — back in the request's own context
 * (`handle_cross_request_promise_resolution`, on for compatibility dates from 2024-10-14).
 *
 * Bounded both ways: at most {@link MAX_ACTIVE} registered requests (past that, a request simply
 * keeps only its native signal), and cancels that arrive before their request registered (the
 * proxy's call can overtake the request inside workerd) are remembered for
 * {@link EARLY_CANCEL_TTL_MS}, at most {@link MAX_EARLY_CANCELS} of them.
 *
 * @module
 */

/** More concurrent requests than one box serves; a bound, not a limit anyone should reach. */
export const MAX_ACTIVE = 10_000;
export const MAX_EARLY_CANCELS = 1_000;
export const EARLY_CANCEL_TTL_MS = 60_000;

export interface Registration {
  /** Aborts when the connection's request is cancelled through {@link ConnectionRegistry.cancel}. */
  signal: AbortSignal;
  /** The request is over: forget it (idempotent). */
  release(): void;
}

export class ConnectionRegistry {
  /** id → resolves the registering request's own "cancelled" promise. */
  readonly #active = new Map<string, () => void>();
  /** id → when its cancel arrived (insertion order is age order). */
  readonly #early = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxActive = MAX_ACTIVE,
  ) {}

  get size(): number {
    return this.#active.size;
  }

  /**
   * Registers the request on connection `id`. `undefined` when the registry is full or the id is
   * already in use (ids come from the proxy, fresh per request; a repeated one is not trusted to
   * name this request).
   */
  register(id: string): Registration | undefined {
    if (this.#active.has(id) || this.#active.size >= this.maxActive) return undefined;
    const controller = new AbortController();
    if (this.#takeEarlyCancel(id)) {
      controller.abort(cancelReason());
      return { signal: controller.signal, release: () => {} };
    }
    let cancel = () => {};
    const cancelled = new Promise<void>((resolve) => {
      cancel = resolve;
    });
    void cancelled.then(() => controller.abort(cancelReason()));
    this.#active.set(id, cancel);
    return {
      signal: controller.signal,
      release: () => {
        if (this.#active.get(id) === cancel) this.#active.delete(id);
      },
    };
  }

  /**
   * Cancels the request on connection `id` (its signal aborts on the request's next turn); true
   * when one was registered.
   */
  cancel(id: string): boolean {
    const cancel = this.#active.get(id);
    if (cancel) {
      this.#active.delete(id);
      cancel();
      return true;
    }
    this.#rememberEarlyCancel(id);
    return false;
  }

  #rememberEarlyCancel(id: string): void {
    this.#pruneEarlyCancels();
    if (this.#early.size >= MAX_EARLY_CANCELS) {
      const oldest = this.#early.keys().next().value;
      if (oldest !== undefined) this.#early.delete(oldest);
    }
    this.#early.set(id, this.now());
  }

  #takeEarlyCancel(id: string): boolean {
    this.#pruneEarlyCancels();
    return this.#early.delete(id);
  }

  #pruneEarlyCancels(): void {
    const cutoff = this.now() - EARLY_CANCEL_TTL_MS;
    for (const [id, at] of this.#early) {
      if (at > cutoff) break;
      this.#early.delete(id);
    }
  }
}

function cancelReason(): Error {
  return new DOMException("The client closed the connection.", "AbortError");
}

/** This isolate's registry: the middleware registers into it, the cancel route cancels from it. */
export const connections = new ConnectionRegistry();
