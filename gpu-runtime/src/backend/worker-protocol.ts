/**
 * Messages between `inference-pool.ts` (main thread) and `inference-worker.ts`. Tensors travel
 * as {@link TensorData} whose buffers are in the `postMessage` transfer list both ways.
 *
 * @module
 */
import type { InferenceErrorCode } from "./inference-error";
import type { SessionInfo, TensorData } from "./tensor-data";

export interface WorkerConfig {
  readonly executionProviders?: readonly string[];
  readonly intraOpThreads?: number;
}

export type WorkerRequest =
  | { readonly kind: "load"; readonly id: number; readonly key: string; readonly path: string }
  | {
      readonly kind: "run";
      readonly id: number;
      readonly key: string;
      readonly feeds: Record<string, TensorData>;
      readonly outputNames?: readonly string[];
    }
  | { readonly kind: "release"; readonly id: number; readonly key: string };

/**
 * Ends the worker once everything sent before it is done: code 0 for `close()`, non-zero to
 * stand in for a crash in fault tests. Never `Worker.terminate()` a worker that may be inside
 * onnxruntime: the native call then throws into a dying environment and aborts the process.
 */
export interface WorkerExit {
  readonly kind: "exit";
  readonly code: number;
}

export type WorkerReply =
  | { readonly kind: "loaded"; readonly id: number; readonly info: SessionInfo }
  | {
      readonly kind: "result";
      readonly id: number;
      readonly outputs: Record<string, TensorData>;
      /** Runs this worker has started since it was spawned (lets tests prove a run was skipped). */
      readonly runsStarted: number;
    }
  | { readonly kind: "released"; readonly id: number }
  | {
      readonly kind: "error";
      readonly id: number;
      readonly code: InferenceErrorCode;
      readonly session: string;
      readonly message: string;
      readonly runsStarted: number;
    }
  | { readonly kind: "log"; readonly message: string }
  /** Sent once the worker's module graph (onnxruntime included) has loaded. */
  | { readonly kind: "ready" };

/** The distinct `ArrayBuffer`s behind some tensors, for a `postMessage` transfer list. */
export function transferList(tensors: Iterable<TensorData>): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const tensor of tensors) {
    const { buffer } = tensor.data;
    if (buffer instanceof ArrayBuffer) buffers.add(buffer);
  }
  return [...buffers];
}

/**
 * Gives each tensor a buffer of its own, copying only views into a larger or shared buffer, so
 * transferring it detaches nothing the sender still needs.
 */
export function ownBuffers(tensors: Record<string, TensorData>): Record<string, TensorData> {
  const seen = new Set<ArrayBufferLike>();
  const out: Record<string, TensorData> = {};
  for (const [name, tensor] of Object.entries(tensors)) {
    const { data } = tensor;
    const whole =
      data.buffer instanceof ArrayBuffer &&
      data.byteOffset === 0 &&
      data.byteLength === data.buffer.byteLength &&
      !seen.has(data.buffer);
    seen.add(data.buffer);
    out[name] = whole ? tensor : copyTensor(tensor);
  }
  return out;
}

function copyTensor(tensor: TensorData): TensorData {
  switch (tensor.type) {
    case "float32":
      return { type: "float32", dims: tensor.dims, data: tensor.data.slice() };
    case "int32":
      return { type: "int32", dims: tensor.dims, data: tensor.data.slice() };
    case "int64":
      return { type: "int64", dims: tensor.dims, data: tensor.data.slice() };
  }
}
