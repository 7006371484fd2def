/**
 * The plain-data tensor that crosses thread boundaries and module boundaries. Nothing outside
 * `onnx-backend.ts` sees an onnxruntime `Tensor`: this shape is structured-clone friendly, so a
 * worker can post it with its `ArrayBuffer` in the transfer list instead of copying it.
 *
 * @module
 */

export type TensorDataType = "float32" | "int32" | "int64";

export type TensorData =
  | { readonly type: "float32"; readonly dims: readonly number[]; readonly data: Float32Array }
  | { readonly type: "int32"; readonly dims: readonly number[]; readonly data: Int32Array }
  | { readonly type: "int64"; readonly dims: readonly number[]; readonly data: BigInt64Array };

/** Input or output description read from the model file. */
export interface TensorMetadata {
  readonly name: string;
  /** ONNX element type as onnxruntime names it (`float32`, `int64`, …); `"non-tensor"` for maps/sequences. */
  readonly type: string;
  /** Static sizes as numbers, symbolic (dynamic) axes by their export name, e.g. `"batch_size"`. */
  readonly shape: readonly (number | string)[];
}

export interface SessionInfo {
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
  /** Execution provider the session was created with (the first that loaded). */
  readonly executionProvider: string;
}

/** A session loaded into the inference pool: the key to run it by, and what its file declares. */
export interface LoadedSession {
  readonly key: string;
  readonly info: SessionInfo;
}

/** `float32` tensor from plain numbers or a typed array; checks the element count. */
export function float32(
  dims: readonly number[],
  data: Float32Array | readonly number[],
): TensorData {
  return checked({ type: "float32", dims: [...dims], data: Float32Array.from(data) });
}

export function int32(dims: readonly number[], data: Int32Array | readonly number[]): TensorData {
  return checked({ type: "int32", dims: [...dims], data: Int32Array.from(data) });
}

export function int64(
  dims: readonly number[],
  data: BigInt64Array | readonly (number | bigint)[],
): TensorData {
  const values = data instanceof BigInt64Array ? Array.from(data) : data.map((v) => BigInt(v));
  return checked({ type: "int64", dims: [...dims], data: BigInt64Array.from(values) });
}

function checked(tensor: TensorData): TensorData {
  const expected = tensor.dims.reduce((a, b) => a * b, 1);
  if (expected !== tensor.data.length) {
    throw new RangeError(
      `tensor dims [${tensor.dims.join(", ")}] need ${expected} elements, got ${tensor.data.length}`,
    );
  }
  return tensor;
}
