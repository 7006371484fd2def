/**
 * One GPU runtime process kept running at a fixed address. The first start may pick a free port;
 * every restart reuses it, because the edge's runtime pool lists runtimes by URL. With
 * `restart: true` a runtime that exits without being asked to (a crash, an OOM kill, SIGKILL)
 * is started again after a backoff — 0.5 s, doubling to 30 s, back to 0.5 s once a start has
 * stayed up for a minute — and each restart is logged. Meanwhile the edge's pool sees the
 * runtime as unreachable, then starting, and routes around it.
 *
 * @module
 */
import { type ManagedProcess, spawnManaged } from "./child-process-group";
import { waitForHttp } from "./free-port";

const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** A start that stayed up this long resets the backoff. */
const STABLE_AFTER_MS = 60_000;

export interface SupervisedRuntimeOptions {
  name: string;
  /** Builds the command line and environment for a start on `port` (0: pick one). */
  spawn: (port: number) => { command: string; args: string[]; env: NodeJS.ProcessEnv; cwd: string };
  port: number;
  onLine: (line: string) => void;
  readyTimeoutMs: number;
  /** Start it again after an unexpected exit. */
  restart: boolean;
}

export class SupervisedRuntime {
  readonly name: string;
  readonly #options: SupervisedRuntimeOptions;
  #process: ManagedProcess | undefined;
  #url = "";
  #port: number;
  #stopping = false;
  #backoffMs = FIRST_BACKOFF_MS;
  #restarts = 0;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #readyWaiters: (() => void)[] = [];

  constructor(options: SupervisedRuntimeOptions) {
    this.name = options.name;
    this.#options = options;
    this.#port = options.port;
  }

  /** The current process (a new one after each restart). */
  get process(): ManagedProcess {
    if (!this.#process) throw new Error(`${this.name} was never started`);
    return this.#process;
  }

  get url(): string {
    return this.#url;
  }

  /** How many times it was started again after an unexpected exit. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Starts it and resolves once it is listening and ready (every model loaded). */
  async start(): Promise<void> {
    const { name, onLine, readyTimeoutMs } = this.#options;
    const { command, args, env, cwd } = this.#options.spawn(this.#port);
    const proc = spawnManaged(name, command, args, { cwd, env, onLine });
    this.#process = proc;
    onLine(`[supervisor] ${name} started (pid ${proc.child.pid})`);
    const startedAt = Date.now();
    proc.child.once("exit", (code, signal) => this.#exited(proc, startedAt, code, signal));
    const [, url = ""] = await proc.waitForLine(/listening on (http:\/\/\S+)/, readyTimeoutMs);
    this.#url = url;
    this.#port = Number(new URL(url).port);
    // Listening comes first (liveness); ready means every model is loaded.
    await waitForHttp(`${url}/readyz`, readyTimeoutMs, () => proc.exited);
    for (const resolve of this.#readyWaiters.splice(0)) resolve();
  }

  /** Resolves the next time a (re)start becomes ready. */
  nextReady(): Promise<void> {
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    await this.#process?.stop();
  }

  #exited(
    proc: ManagedProcess,
    startedAt: number,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    if (this.#stopping || proc !== this.#process || !this.#options.restart) return;
    if (Date.now() - startedAt >= STABLE_AFTER_MS) this.#backoffMs = FIRST_BACKOFF_MS;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2);
    this.#restarts += 1;
    this.#options.onLine(
      `[supervisor] ${this.name} exited (${signal ?? `code ${code}`}); restart ${this.#restarts} in ${delay} ms on port ${this.#port}`,
    );
    this.#restartTimer = setTimeout(() => {
      if (this.#stopping) return;
      this.start().catch((error: Error) => {
        // Its exit (stopped here if it hangs) schedules the next attempt.
        this.#options.onLine(`[supervisor] ${this.name} failed to start: ${error.message}`);
        void this.#process?.stop();
      });
    }, delay);
  }
}
