/**
 * Child processes that die with us. Each child leads its own process group (so `wrangler`'s
 * `workerd` and any grandchildren go too), is stopped with SIGTERM then SIGKILL, and is killed
 * synchronously if this process exits without stopping it — no orphans, even on a crash.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

const live = new Set<ChildProcess>();
const killAll = () => {
  for (const child of live) killGroup(child, "SIGKILL");
};
process.on("exit", killAll);
// A signal ends Node without "exit" handlers; when nobody else handles it, take the children
// down, then die of the same signal as the default action would.
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  process.on(signal, function onSignal() {
    if (process.listenerCount(signal) > 1) return;
    killAll();
    process.off(signal, onSignal);
    process.kill(process.pid, signal);
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: boolean;
  /** Resolves with the first output line matching `pattern`; rejects if the process exits first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Receives every output line, prefixed with the process name. */
  onLine: (line: string) => void;
}

export function spawnManaged(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions,
): ManagedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      live.delete(child);
      resolve();
    });
  });
  const lineListeners = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => {
      options.onLine(`[${name}] ${line}`);
      for (const listener of lineListeners) listener(line);
    });
  }

  return {
    name,
    child,
    get exited() {
      return !live.has(child);
    },
    waitForLine(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const done = (error?: Error, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          lineListeners.delete(onLine);
          child.off("exit", onExit);
          if (match) resolve(match);
          else reject(error);
        };
        const onLine = (line: string) => {
          const match = line.match(pattern);
          if (match) done(undefined, match);
        };
        const onExit = (code: number | null) =>
          done(new Error(`${name} exited (code ${code}) before it was ready`));
        const timer = setTimeout(
          () => done(new Error(`${name} not ready after ${timeoutMs} ms`)),
          timeoutMs,
        );
        lineListeners.add(onLine);
        child.once("exit", onExit);
      });
    },
    async stop(graceMs = 5000) {
      if (!live.has(child)) return;
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      // The leader may exit before its children (workerd under wrangler): sweep the group.
      killGroup(child, "SIGKILL");
    },
  };
}
