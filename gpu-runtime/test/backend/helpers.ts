import { fileURLToPath } from "node:url";
import type { TensorData } from "../../src/backend/tensor-data";
import { float32 } from "../../src/backend/tensor-data";

/** The tiny Optimum-layout Stable Diffusion made by `fixtures-src/make_tiny_sd.py`. */
export const TINY_SD = fileURLToPath(new URL("../fixtures/tiny-sd/", import.meta.url));

export const modelPath = (component: "text_encoder" | "unet" | "vae_decoder") =>
  `${TINY_SD}${component}/model.onnx`;

/** Deterministic values in [-1, 1) (a 32-bit LCG), so inputs are identical across runs. */
export function seeded(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

export const randomTensor = (dims: number[], seed: number): TensorData =>
  float32(
    dims,
    seeded(
      dims.reduce((a, b) => a * b, 1),
      seed,
    ),
  );

/** Concatenates float32 tensors along axis 0. */
export function stack(rows: TensorData[]): TensorData {
  const first = rows[0];
  if (!first) throw new Error("nothing to stack");
  const parts = rows.map((r) => Array.from(r.data, Number));
  return float32([rows.length * (first.dims[0] ?? 1), ...first.dims.slice(1)], parts.flat());
}

/** Row `index` along axis 0, as plain numbers. */
export function row(tensor: TensorData, index: number): number[] {
  const size = tensor.data.length / (tensor.dims[0] ?? 1);
  return Array.from(tensor.data.slice(index * size, (index + 1) * size), Number);
}

export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

/** A copy that can be sent to the pool while the original stays usable (feeds are transferred). */
export function clone(tensor: TensorData): TensorData {
  return structuredClone(tensor);
}

/** Output `name`, failing the test with the names present when it is missing. */
export function output(outputs: Record<string, TensorData>, name: string): TensorData {
  const tensor = outputs[name];
  if (!tensor) throw new Error(`no output "${name}" (got ${Object.keys(outputs).join(", ")})`);
  return tensor;
}
