/**
 * One worker thread of the inference pool and the requests it has been sent. Replaced by a
 * fresh thread, with every registered session reloaded, on first use after it dies.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import { InferenceError } from "./inference-error";
import type { WorkerConfig, WorkerExit, WorkerReply, WorkerRequest } from "./worker-protocol";

interface Pending {
  readonly request: WorkerRequest;
  readonly resolve: (reply: WorkerReply) => void;
  readonly reject: (error: unknown) => void;
}

/** A plain-JS entry that registers tsx, then imports `inference-worker.ts`. */
const WORKER_URL = new URL("./inference-worker-bootstrap.mjs", import.meta.url);

/** One worker thread slot; replaced by a fresh thread after a crash. */
export class WorkerSlot {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private starting: Promise<void> | undefined;
  private closed = false;
  private ready: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  runsStarted = 0;
  busy = false;

  constructor(
    private readonly config: WorkerConfig,
    private readonly sessions: ReadonlyMap<string, string>,
    private readonly log: (message: string) => void,
  ) {}

  get alive(): boolean {
    return this.worker !== undefined;
  }

  /** Spawns the thread if needed and loads every registered session into it. */
  ensureStarted(): Promise<void> {
    if (this.closed) return Promise.reject(poolClosed(""));
    if (this.worker) return this.starting ?? Promise.resolve();
    const worker = new Worker(WORKER_URL, { workerData: this.config, execArgv: [] });
    this.worker = worker;
    this.runsStarted = 0;
    worker.on("message", (reply: WorkerReply) => this.onReply(reply));
    worker.on("error", (error) => this.onExit(worker, error));
    worker.on("exit", (code) => this.onExit(worker, new Error(`worker exited with code ${code}`)));
    const ready = new Promise<void>((resolve, reject) => {
      this.ready = { resolve, reject };
    });
    const starting = ready.then(async () => {
      const replies = await Promise.all(
        [...this.sessions].map(([key, path]) => this.request({ kind: "load", id: 0, key, path })),
      );
      for (const reply of replies) if (reply.kind === "error") throw replyError(reply, "");
    });
    this.starting = starting;
    // A failed start is reported to whoever awaits it; don't leave it unhandled meanwhile.
    starting.catch(() => {});
    return starting;
  }

  request(request: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    const worker = this.worker;
    if (this.closed) return Promise.reject(poolClosed(request.key));
    if (!worker) {
      return Promise.reject(
        new InferenceError("WORKER_CRASHED", request.key, "worker not running"),
      );
    }
    const id = this.nextId++;
    const message = { ...request, id };
    return new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(id, { request: message, resolve, reject });
      worker.postMessage(message, transfer);
    });
  }

  /**
   * Lets the worker finish what it was sent, then ends it. Runs in flight complete (onnxruntime
   * cannot interrupt them, and terminating a thread inside a native call aborts the process).
   */
  async shutdown(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.postMessage({ kind: "exit", code: 0 } satisfies WorkerExit);
    await exited;
  }

  /** Makes the worker exit with code 1 once its current request is done, as a crash would. */
  crash(): void {
    this.worker?.postMessage({ kind: "exit", code: 1 } satisfies WorkerExit);
  }

  private onReply(reply: WorkerReply): void {
    if (reply.kind === "log") {
      this.log(reply.message);
      return;
    }
    if (reply.kind === "ready") {
      this.ready?.resolve();
      return;
    }
    if (reply.kind === "result" || reply.kind === "error") this.runsStarted = reply.runsStarted;
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    pending.resolve(reply);
  }

  private onExit(worker: Worker, error: Error): void {
    if (this.worker !== worker) return; // already handled ('error' is followed by 'exit')
    this.worker = undefined;
    this.starting = undefined;
    this.ready?.reject(
      new InferenceError(
        "WORKER_CRASHED",
        "",
        `inference worker failed to start: ${error.message}`,
      ),
    );
    // The run in flight (if any) settles through `failAll`, which also frees the slot.
    this.failAll(error);
  }

  private failAll(cause: Error): void {
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      const { key, kind } = pending.request;
      pending.reject(
        this.closed
          ? poolClosed(key)
          : new InferenceError(
              "WORKER_CRASHED",
              key,
              `inference worker died during ${kind}: ${cause.message}`,
            ),
      );
    }
  }
}

export function poolClosed(key: string): InferenceError {
  return new InferenceError("POOL_CLOSED", key, "the inference pool was closed");
}

export function replyError(reply: WorkerReply, key: string): InferenceError {
  if (reply.kind === "error") return new InferenceError(reply.code, reply.session, reply.message);
  return new InferenceError("RUN_FAILED", key, `unexpected worker reply "${reply.kind}"`);
}
