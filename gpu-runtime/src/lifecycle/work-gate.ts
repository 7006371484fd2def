/**
 * Admission for every procedure that does work. The gate is closed while models load and from
 * the moment a drain starts: a call then fails at once with {@link RuntimeUnavailableError},
 * which the edge treats as "try another runtime". Calls admitted before the drain are counted,
 * and {@link WorkGate.close} resolves only when the last of them has finished — so nothing
 * (captions, upsampling, scores) ever sees the inference pool closed under it.
 *
 * @module
 */

export class RuntimeUnavailableError extends Error {
  constructor(readonly reason: "starting" | "draining") {
    super(
      reason === "starting"
        ? "The runtime is still loading its models and accepts no work yet."
        : "The runtime is shutting down and accepts no new work.",
    );
    this.name = "RuntimeUnavailableError";
  }
}

export class WorkGate {
  #state: "starting" | "open" | "draining" = "starting";
  #inFlight = 0;
  #idleWaiters: (() => void)[] = [];

  get state(): "starting" | "open" | "draining" {
    return this.#state;
  }

  /** Calls admitted and not yet finished. */
  get inFlight(): number {
    return this.#inFlight;
  }

  open(): void {
    if (this.#state === "starting") this.#state = "open";
  }

  /** Throws {@link RuntimeUnavailableError} unless the gate is open. */
  check(): void {
    if (this.#state !== "open") throw new RuntimeUnavailableError(this.#state);
  }

  /** Runs `work` if the gate is open, counting it until it settles. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.check();
    this.#inFlight += 1;
    try {
      return await work();
    } finally {
      this.#inFlight -= 1;
      if (this.#inFlight === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  /** Refuses new work from now on; resolves once every admitted call has finished. */
  close(): Promise<void> {
    this.#state = "draining";
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}
