/**
 * A runtime serving exactly the bundle being evaluated, in-process: the runtime's own loader,
 * real ONNX sessions on worker threads, the services the HTTP server would expose. One request
 * at a time (batch 1), so every image's time is its own.
 *
 * @module
 */
import { resolve } from "node:path";
import { loadRuntimeConfig } from "../src/env";
import { createRuntime } from "../src/runtime-services";
import type { RuntimeServices } from "../src/services";

export interface HostedBundle {
  readonly services: RuntimeServices;
  /** The bundle's model id. */
  readonly model: string;
  close(): Promise<void>;
}

export interface HostOptions {
  /** Execution providers in order of preference, e.g. "cpu" or "cuda,cpu". */
  providers?: string;
  /** Threads per ONNX session; 0 is one per core. */
  threads?: number;
  log?: (line: string) => void;
}

export async function hostBundle(
  bundleDir: string,
  options: HostOptions = {},
): Promise<HostedBundle> {
  const config = loadRuntimeConfig({
    LIMNER_EXECUTION_PROVIDERS: options.providers ?? "cuda,cpu",
    LIMNER_INTRA_OP_THREADS: String(options.threads ?? 0),
    LIMNER_MAX_BATCH: "1",
  });
  const log = options.log ?? ((line: string) => console.error(line));
  const runtime = createRuntime(config, "eval", log, { bundleDirs: [resolve(bundleDir)] });
  try {
    await runtime.start();
    const model = runtime.services.models()[0]?.id;
    if (!model) throw new Error(`${bundleDir} holds no model bundle (model.json)`);
    return { services: runtime.services, model, close: () => runtime.shutdown() };
  } catch (error) {
    await runtime.shutdown();
    throw error;
  }
}
