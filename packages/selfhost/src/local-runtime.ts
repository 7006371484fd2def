/**
 * The runtime a one-box self-host starts itself: gpu-runtime on loopback at a free port, kept
 * running (restarted with backoff after a crash) by the dev stack's {@link SupervisedRuntime}.
 * Its settings (`LIMNER_MODELS_DIR`, `LIMNER_EXECUTION_PROVIDERS`, …) come from this process's
 * environment, as docs/runtime.md lists them.
 *
 * @module
 */
import { join } from "node:path";
import { SupervisedRuntime } from "@limner/dev-stack";

export interface LocalRuntimeOptions {
  cwd: string;
  serviceToken: string;
  readyTimeoutMs: number;
  onLine: (line: string) => void;
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<SupervisedRuntime> {
  const runtime = new SupervisedRuntime({
    name: "runtime",
    port: 0,
    restart: true,
    onLine: options.onLine,
    readyTimeoutMs: options.readyTimeoutMs,
    spawn: (port) => ({
      command: process.execPath,
      args: ["--import", "tsx", join(options.cwd, "gpu-runtime/src/main.ts")],
      cwd: options.cwd,
      env: {
        ...process.env,
        LIMNER_RUNTIME_HOST: "127.0.0.1",
        LIMNER_RUNTIME_PORT: String(port),
        LIMNER_SERVICE_TOKEN: options.serviceToken,
      },
    }),
  });
  try {
    await runtime.start();
  } catch (error) {
    // No restart after a failed first start: the command reports it and exits.
    await runtime.stop();
    throw error;
  }
  return runtime;
}
