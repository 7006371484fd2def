/**
 * Main-thread side of off-thread inference: a fixed set of worker threads, each holding every
 * loaded session, fed from one FIFO queue. A worker gets a run only when it is idle, so:
 *
 * - **Abort before start** — a queued run whose signal aborts is removed from the queue and
 *   rejects at once with an `AbortError`; the worker never sees it.
 * - **Abort while running** — onnxruntime cannot interrupt a graph, so the run finishes; its
 *   outputs are dropped and the promise then rejects with the `AbortError`. Settling only
 *   after the worker is free keeps callers' accounting of busy capacity truthful.
 * - **Zero-copy** — feed buffers are *transferred* to the worker (the caller's typed arrays are
 *   detached after `run()`), and output buffers are transferred back.
 * - **Errors** — onnxruntime failures (unknown input name, wrong shape or dtype) reject with
 *   an {@link InferenceError} `RUN_FAILED` naming the session; the worker keeps serving.
 * - **Crashes** — if a worker thread dies, the requests it had been sent reject with
 *   `WORKER_CRASHED`; the slot is respawned (and its sessions reloaded) on next use.
 * - **Close** — queued runs reject with `POOL_CLOSED`; runs already on a worker finish first.
 *   Workers are asked to exit, never `Worker.terminate()`d mid-run: terminating a thread inside
 *   onnxruntime's native `run` aborts the whole process ("terminate called after throwing an
 *   instance of 'Napi::Error'").
 * - **Threads** — workers start from `inference-worker-bootstrap.mjs`, which registers tsx and
 *   imports the TypeScript entry; this works under `node --import tsx`, `tsx` and vitest.
 *
 * @example
 * ```ts
 * const pool = await InferencePool.start({ workers: 1, executionProviders: ["cpu"] });
 * await pool.loadSession("unet", "models/sd/unet/model.onnx");
 * const { out_sample } = await pool.run("unet", feeds, { signal });
 * await pool.close();
 * ```
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { abortError, InferenceError } from "./inference-error";
import type { SessionInfo, TensorData } from "./tensor-data";
import type { WorkerConfig } from "./worker-protocol";
import { transferList } from "./worker-protocol";
import { poolClosed, replyError, WorkerSlot } from "./worker-slot";

export type { LoadedSession, SessionInfo, TensorData } from "./tensor-data";

export interface InferencePoolOptions {
  /** Worker threads (default 1). Each holds its own copy of every session. */
  readonly workers?: number;
  /** Execution providers in preference order (default `["cuda", "cpu"]`). */
  readonly executionProviders?: readonly string[];
  /** onnxruntime intra-op threads per worker (default: cores ÷ workers, at least 1). */
  readonly intraOpThreads?: number;
  /** Receives one-time notices from the workers, e.g. a CUDA fallback (default `console.warn`). */
  readonly log?: (message: string) => void;
}

export interface RunOptions {
  /** Limit the outputs computed and returned (default: all). */
  readonly outputNames?: readonly string[];
  readonly signal?: AbortSignal;
}

export interface WorkerStats {
  /** Runs the current worker thread of this slot has started (resets when it is respawned). */
  readonly runsStarted: number;
  readonly busy: boolean;
  readonly alive: boolean;
}

interface QueuedRun {
  readonly key: string;
  readonly feeds: Record<string, TensorData>;
  readonly outputNames: readonly string[] | undefined;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (outputs: Record<string, TensorData>) => void;
  readonly reject: (error: unknown) => void;
  onAbort?: () => void;
}

export class InferencePool {
  private readonly sessions = new Map<string, string>();
  private readonly queue: QueuedRun[] = [];
  private closed = false;

  private constructor(private readonly slots: WorkerSlot[]) {}

  /** Spawns the workers and waits until each is up. */
  static async start(options: InferencePoolOptions = {}): Promise<InferencePool> {
    const workers = Math.max(1, Math.floor(options.workers ?? 1));
    const config: WorkerConfig = {
      executionProviders: options.executionProviders ?? ["cuda", "cpu"],
      intraOpThreads:
        options.intraOpThreads ?? Math.max(1, Math.floor(availableParallelism() / workers)),
    };
    const sink = options.log ?? ((message: string) => console.warn(message));
    // Every worker (and every respawn) meets the same missing provider; say it once per pool.
    const said = new Set<string>();
    const log = (message: string) => {
      if (said.has(message)) return;
      said.add(message);
      sink(message);
    };
    const slots: WorkerSlot[] = [];
    const pool = new InferencePool(slots);
    for (let i = 0; i < workers; i++) {
      slots.push(new WorkerSlot(config, pool.sessions, log));
    }
    await Promise.all(slots.map((slot) => slot.ensureStarted()));
    return pool;
  }

  /**
   * Loads (or replaces) the model at `path` under `key` in every worker. Rejects with
   * `LOAD_FAILED` if onnxruntime cannot open it, leaving any previous session under `key`.
   */
  async loadSession(key: string, path: string): Promise<SessionInfo> {
    this.assertOpen(key);
    const replies = await Promise.all(
      this.slots.map(async (slot) => {
        await slot.ensureStarted();
        return slot.request({ kind: "load", id: 0, key, path });
      }),
    );
    const infos = replies.map((reply) => {
      if (reply.kind === "loaded") return reply.info;
      throw replyError(reply, key);
    });
    this.sessions.set(key, path);
    const info = infos[0];
    if (!info) throw new InferenceError("LOAD_FAILED", key, "no workers");
    return info;
  }

  /** Drops the session under `key` from every worker. */
  async releaseSession(key: string): Promise<void> {
    this.sessions.delete(key);
    await Promise.all(
      this.slots.filter((s) => s.alive).map((s) => s.request({ kind: "release", id: 0, key })),
    );
  }

  /**
   * Runs session `key` on the next idle worker. The feeds' buffers are transferred (detached
   * here). See the module docs for abort semantics.
   */
  run(
    key: string,
    feeds: Record<string, TensorData>,
    options: RunOptions = {},
  ): Promise<Record<string, TensorData>> {
    const { signal } = options;
    if (this.closed) {
      return Promise.reject(poolClosed(key));
    }
    if (!this.sessions.has(key)) {
      return Promise.reject(
        new InferenceError("UNKNOWN_SESSION", key, "no session loaded under this key"),
      );
    }
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const job: QueuedRun = {
        key,
        feeds,
        outputNames: options.outputNames,
        signal,
        resolve,
        reject,
      };
      if (signal) {
        job.onAbort = () => {
          const index = this.queue.indexOf(job);
          if (index === -1) return; // already running: settled when the worker answers
          this.queue.splice(index, 1);
          reject(abortError(signal));
        };
        signal.addEventListener("abort", job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Per-worker counters, in slot order. */
  stats(): WorkerStats[] {
    return this.slots.map((s) => ({ runsStarted: s.runsStarted, busy: s.busy, alive: s.alive }));
  }

  /** Runs waiting for a free worker. */
  queueDepth(): number {
    return this.queue.length;
  }

  /**
   * Makes worker `index` die (exit code 1) as soon as its current request is done, as a crash
   * would: requests already sent to it reject with `WORKER_CRASHED` and the slot respawns, with
   * its sessions reloaded, on next use. For fault tests and operators' drills.
   */
  crashWorker(index: number): void {
    this.slots[index]?.crash();
  }

  /**
   * Rejects queued runs with `POOL_CLOSED`, lets runs already on a worker finish (they cannot
   * be interrupted), then ends every worker thread.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      this.detach(job);
      job.reject(poolClosed(job.key));
    }
    await Promise.all(this.slots.map((slot) => slot.shutdown()));
  }

  private dispatch(): void {
    if (this.closed) return;
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const job = this.queue.shift();
      if (!job) return;
      slot.busy = true;
      void this.execute(slot, job).then((settle) => {
        // Free the slot before settling, so a caller reacting to the result sees it idle.
        slot.busy = false;
        settle();
        this.dispatch();
      });
    }
  }

  /** Runs `job` on `slot`; never rejects, returns how to settle the job's promise. */
  private async execute(slot: WorkerSlot, job: QueuedRun): Promise<() => void> {
    try {
      await slot.ensureStarted();
      // Past this point the run cannot be recalled; an abort now only drops its outputs.
      const reply = await slot.request(
        { kind: "run", id: 0, key: job.key, feeds: job.feeds, outputNames: job.outputNames },
        transferList(Object.values(job.feeds)),
      );
      this.detach(job);
      const { signal } = job;
      if (signal?.aborted) return () => job.reject(abortError(signal));
      if (reply.kind === "result") return () => job.resolve(reply.outputs);
      return () => job.reject(replyError(reply, job.key));
    } catch (error) {
      this.detach(job);
      return () => job.reject(error);
    }
  }

  private detach(job: QueuedRun): void {
    if (job.onAbort) job.signal?.removeEventListener("abort", job.onAbort);
  }

  private assertOpen(key: string): void {
    if (this.closed) throw poolClosed(key);
  }
}
