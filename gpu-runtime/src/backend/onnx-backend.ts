/**
 * The only module that imports `onnxruntime-node` (the transformers.js rule: one backend file).
 * Everything else talks in {@link TensorData}, so the engine can be swapped or mocked in one place.
 *
 * `run()` here executes synchronously on the calling thread inside onnxruntime's native code, so
 * this module is meant to be used from a worker thread — see `inference-worker.ts` and
 * `inference-pool.ts` for the off-thread wrapper the rest of the runtime uses.
 *
 * @example
 * ```ts
 * const unet = await OnnxSession.create("models/sd/unet/model.onnx", { executionProviders: ["cpu"] });
 * const { out_sample } = await unet.run({ sample, timestep, encoder_hidden_states });
 * await unet.release();
 * ```
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { env, InferenceSession, Tensor } from "onnxruntime-node";
import type { SessionInfo, TensorData, TensorMetadata } from "./tensor-data";

export interface OnnxBackendOptions {
  /**
   * Execution providers in order of preference (default `["cuda", "cpu"]`). A provider that
   * fails to load (no CUDA libraries on this host) is logged once and dropped; `cpu` is always
   * the last resort.
   */
  readonly executionProviders?: readonly string[];
  /** Threads one operator may use (default: every core this process may use). */
  readonly intraOpThreads?: number;
  /** Where the one-time provider fallback notice goes (default `console.warn`). */
  readonly warn?: (message: string) => void;
}

export const DEFAULT_EXECUTION_PROVIDERS: readonly string[] = ["cuda", "cpu"];

/** The engine behind this module, named here so evals and benchmarks report it without importing it. */
export const ENGINE: { readonly name: string; readonly version: string } = {
  name: "onnxruntime-node",
  version: env.versions.node ?? env.versions.common,
};

// Failures reach callers as exceptions with onnxruntime's message; its logger would only repeat
// them on stderr (e.g. a stack of "Failed to load libonnxruntime_providers_cuda.so" on CPU hosts).
env.logLevel = "fatal";

/** Providers that failed to load in this thread; later sessions skip them instead of retrying. */
const unavailableProviders = new Set<string>();

export class OnnxSession {
  private constructor(
    private readonly session: InferenceSession,
    readonly info: SessionInfo,
  ) {}

  static async create(path: string, options: OnnxBackendOptions = {}): Promise<OnnxSession> {
    const warn = options.warn ?? ((message: string) => console.warn(message));
    const wanted = options.executionProviders ?? DEFAULT_EXECUTION_PROVIDERS;
    const providers = wanted.filter((p) => !unavailableProviders.has(p));
    if (!providers.includes("cpu")) providers.push("cpu");

    let lastError: unknown;
    // Try [cuda, cpu], then [cpu]: onnxruntime refuses the whole list when one provider's
    // library cannot load, instead of skipping it.
    for (let start = 0; start < providers.length; start++) {
      const attempt = providers.slice(start);
      try {
        const session = await InferenceSession.create(path, sessionOptions(attempt, options));
        for (const dropped of providers.slice(0, start)) {
          if (unavailableProviders.has(dropped)) continue;
          unavailableProviders.add(dropped);
          warn(
            `onnxruntime: execution provider "${dropped}" is unavailable here (${describe(lastError)}); using ${attempt.join(", ")}`,
          );
        }
        return new OnnxSession(session, {
          inputs: session.inputMetadata.map(toMetadata),
          outputs: session.outputMetadata.map(toMetadata),
          executionProvider: attempt[0] ?? "cpu",
        });
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  /**
   * Runs the model. `outputNames` limits what is computed and returned (default: all outputs).
   * Throws onnxruntime's own error for unknown input names, wrong dtypes or shapes.
   */
  async run(
    feeds: Readonly<Record<string, TensorData>>,
    outputNames?: readonly string[],
  ): Promise<Record<string, TensorData>> {
    // onnxruntime-node silently ignores feeds the model does not take; a misspelt name is a
    // caller bug that would otherwise surface as a confusing "input missing" or not at all.
    const known = new Set(this.session.inputNames);
    const unknown = Object.keys(feeds).filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new Error(
        `unknown input ${unknown.map((n) => `"${n}"`).join(", ")}; the model takes ${[...known].join(", ")}`,
      );
    }
    const ortFeeds: Record<string, Tensor> = {};
    for (const [name, tensor] of Object.entries(feeds)) {
      ortFeeds[name] = new Tensor(tensor.type, tensor.data, [...tensor.dims]);
    }
    const results = outputNames
      ? await this.session.run(ortFeeds, [...outputNames])
      : await this.session.run(ortFeeds);
    const outputs: Record<string, TensorData> = {};
    for (const [name, value] of Object.entries(results)) {
      outputs[name] = fromOrt(name, value);
    }
    return outputs;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Session options, tuned for a process that runs one diffusion request per worker at a time:
 * - `intraOpNumThreads`: the parallelism inside one conv/matmul — the knob that matters for
 *   CPU inference; defaults to every available core.
 * - `interOpNumThreads: 1` + `executionMode: "sequential"`: SD graphs are one long chain, so
 *   running independent branches in parallel buys nothing and oversubscribes the cores.
 * - `graphOptimizationLevel: "all"`: constant folding, operator fusion and layout transforms.
 * - `enableCpuMemArena: true`: reuse activation buffers across the many denoising steps
 *   instead of going back to the allocator every run.
 */
function sessionOptions(
  providers: readonly string[],
  options: OnnxBackendOptions,
): InferenceSession.SessionOptions {
  return {
    executionProviders: [...providers],
    intraOpNumThreads: options.intraOpThreads ?? availableParallelism(),
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    enableCpuMemArena: true,
    executionMode: "sequential",
    logSeverityLevel: 3,
  };
}

function toMetadata(meta: InferenceSession.ValueMetadata): TensorMetadata {
  return meta.isTensor
    ? { name: meta.name, type: meta.type, shape: [...meta.shape] }
    : { name: meta.name, type: "non-tensor", shape: [] };
}

function fromOrt(name: string, value: unknown): TensorData {
  if (!(value instanceof Tensor)) {
    throw new TypeError(`output "${name}" is not a tensor`);
  }
  const dims = [...value.dims];
  switch (value.type) {
    case "float32":
      if (value.data instanceof Float32Array) return { type: "float32", dims, data: value.data };
      break;
    case "int32":
      if (value.data instanceof Int32Array) return { type: "int32", dims, data: value.data };
      break;
    case "int64":
      if (value.data instanceof BigInt64Array) return { type: "int64", dims, data: value.data };
      break;
  }
  throw new TypeError(`output "${name}" has unsupported element type ${value.type}`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
