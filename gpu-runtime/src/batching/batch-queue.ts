/**
 * Dynamic batching: requests that can share one forward pass (same model, bucket and step
 * count — the caller's `batchKey`) are collected for at most `maxDelayMs` or until `maxBatch`
 * are waiting, then run together. The queue is bounded: when full, a request is refused at
 * once with {@link QueueFullError} (a retry hint included) instead of waiting unboundedly.
 *
 * Cancellation and deadlines: a request whose signal aborts (or whose deadline passes) while
 * queued leaves the queue and never costs compute; one already running is told through its
 * signal, which the runner checks between denoising steps.
 *
 * @module
 */

export interface BatchQueueOptions {
  /** Most requests run in one batch. 1 disables batching. */
  maxBatch: number;
  /** Longest a request waits for companions before its batch starts anyway. */
  maxDelayMs: number;
  /** Most requests queued (not running) at once; more are refused with QueueFullError. */
  maxQueued: number;
  /** Batches run at the same time (1 on a single accelerator: batches compete otherwise). */
  concurrency?: number;
}

export interface QueuedItem<Req> {
  readonly request: Req;
  /** Aborted when the caller cancels or the deadline passes. */
  readonly signal: AbortSignal;
}

/** Runs one batch; must return one result (or Error) per item, in order. */
export type BatchRunner<Req, Res> = (batch: readonly QueuedItem<Req>[]) => Promise<(Res | Error)[]>;

export class QueueFullError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`The runtime's queue is full; retry in about ${Math.ceil(retryAfterMs / 1000)} s.`);
    this.name = "QueueFullError";
  }
}

export class QueueClosedError extends Error {
  constructor() {
    super("The runtime is shutting down and accepts no new work.");
    this.name = "QueueClosedError";
  }
}

interface Pending<Req, Res> extends QueuedItem<Req> {
  readonly key: string;
  readonly enqueuedAt: number;
  resolve(result: Res): void;
  reject(error: unknown): void;
}

export interface EnqueueOptions {
  batchKey: string;
  signal?: AbortSignal;
  /** Absolute time (ms since epoch) after which the request is abandoned. */
  deadline?: number;
}

export class BatchQueue<Req, Res> {
  readonly #options: Required<BatchQueueOptions>;
  readonly #run: BatchRunner<Req, Res>;
  #waiting: Pending<Req, Res>[] = [];
  #running = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #idleWaiters: (() => void)[] = [];
  /** Smoothed batch duration, used for the retry hint. */
  #avgBatchMs = 1000;

  constructor(options: BatchQueueOptions, run: BatchRunner<Req, Res>) {
    if (options.maxBatch < 1 || options.maxQueued < 1)
      throw new RangeError("maxBatch and maxQueued must be ≥ 1");
    this.#options = { concurrency: 1, ...options };
    this.#run = run;
  }

  /** Requests waiting to start. */
  get depth(): number {
    return this.#waiting.length;
  }

  /** Batches running now. */
  get active(): number {
    return this.#running;
  }

  enqueue(request: Req, { batchKey, signal, deadline }: EnqueueOptions): Promise<Res> {
    if (this.#closed) return Promise.reject(new QueueClosedError());
    if (this.#waiting.length >= this.#options.maxQueued) {
      const batchesAhead = Math.ceil(this.#waiting.length / this.#options.maxBatch) + this.#running;
      return Promise.reject(new QueueFullError(batchesAhead * this.#avgBatchMs));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);

    return new Promise<Res>((resolve, reject) => {
      // The item's signal, and every listener and timer behind it, must be let go of the
      // moment the item settles: anything still listening (a deadline timer, a long-lived
      // caller signal) would otherwise keep the result — its images — alive until it fires.
      const controller = new AbortController();
      const onCallerAbort = () => controller.abort(signal?.reason);
      const timer =
        deadline === undefined
          ? undefined
          : setTimeout(
              () => controller.abort(new DOMException("The deadline passed.", "TimeoutError")),
              Math.max(0, deadline - Date.now()),
            );
      const onAbort = () => {
        // Still queued: drop it so it never costs compute. Running: the runner sees the signal.
        const index = this.#waiting.indexOf(item);
        if (index !== -1) {
          this.#waiting.splice(index, 1);
          item.reject(controller.signal.reason);
          this.#notifyIfIdle();
        }
      };
      const release = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onCallerAbort);
        controller.signal.removeEventListener("abort", onAbort);
      };
      const item: Pending<Req, Res> = {
        request,
        signal: controller.signal,
        key: batchKey,
        enqueuedAt: Date.now(),
        resolve: (result) => {
          release();
          resolve(result);
        },
        reject: (error) => {
          release();
          reject(error);
        },
      };
      signal?.addEventListener("abort", onCallerAbort, { once: true });
      controller.signal.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(item);
      this.#schedule();
    });
  }

  /** Stops accepting work; resolves once everything accepted has finished. */
  drain(): Promise<void> {
    this.#closed = true;
    this.#schedule();
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #isIdle(): boolean {
    return this.#waiting.length === 0 && this.#running === 0;
  }

  #notifyIfIdle(): void {
    if (!this.#isIdle()) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #schedule(): void {
    while (this.#running < this.#options.concurrency && this.#waiting.length > 0) {
      const oldest = this.#waiting[0];
      if (!oldest) return;
      const companions = this.#waiting.filter((p) => p.key === oldest.key).length;
      const waited = Date.now() - oldest.enqueuedAt;
      // Start when the batch is full, the oldest has waited long enough, or we are draining.
      if (
        companions < this.#options.maxBatch &&
        waited < this.#options.maxDelayMs &&
        !this.#closed
      ) {
        this.#armTimer(this.#options.maxDelayMs - waited);
        return;
      }
      this.#startBatch(oldest.key);
    }
  }

  #armTimer(ms: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#schedule();
    }, ms);
  }

  #startBatch(key: string): void {
    const batch: Pending<Req, Res>[] = [];
    this.#waiting = this.#waiting.filter((p) => {
      if (p.key !== key || batch.length >= this.#options.maxBatch) return true;
      batch.push(p);
      return false;
    });
    this.#running += 1;
    const started = Date.now();
    this.#run(batch)
      .then(
        (results) => {
          batch.forEach((item, i) => {
            const result = results[i];
            if (result === undefined)
              item.reject(new Error("The batch runner returned too few results."));
            else if (result instanceof Error) item.reject(result);
            else item.resolve(result);
          });
        },
        (error: unknown) => {
          for (const item of batch) item.reject(error);
        },
      )
      .finally(() => {
        this.#avgBatchMs = 0.8 * this.#avgBatchMs + 0.2 * (Date.now() - started);
        this.#running -= 1;
        this.#schedule();
        this.#notifyIfIdle();
      });
  }
}
