/**
 * The deterministic fixtures of diffusers' scheduler tests (`tests/schedulers/test_schedulers.py`,
 * `SchedulerCommonTest`), so our schedulers can be checked against diffusers' published numbers
 * without weights or torch.
 *
 * @module
 */

/** Batch 4 × channels 3 × 8 × 8, as in `dummy_sample_deter`. */
export const DUMMY_SHAPE = [4, 3, 8, 8] as const;
const [BATCH, CHANNELS, HEIGHT, WIDTH] = DUMMY_SHAPE;
export const DUMMY_ELEMENTS = BATCH * CHANNELS * HEIGHT * WIDTH;

/**
 * `dummy_sample_deter`: arange(768) reshaped to (3, 8, 8, 4), divided by 768, permuted to
 * (4, 3, 8, 8); laid out row-major in the permuted shape, like the torch tensor.
 */
export function dummySampleDeter(): Float32Array {
  const out = new Float32Array(DUMMY_ELEMENTS);
  let i = 0;
  for (let b = 0; b < BATCH; b++) {
    for (let c = 0; c < CHANNELS; c++) {
      for (let h = 0; h < HEIGHT; h++) {
        for (let w = 0; w < WIDTH; w++) {
          const source = ((c * HEIGHT + h) * WIDTH + w) * BATCH + b;
          out[i++] = source / DUMMY_ELEMENTS;
        }
      }
    }
  }
  return out;
}

/** `dummy_model`: sample · t / (t + 1), rounded to float32 after each op like torch. */
export function dummyModel(sample: Float32Array, t: number): Float32Array {
  const tf = Math.fround(t);
  const denominator = Math.fround(tf + 1);
  return sample.map((v) => Math.fround(Math.fround(v * tf) / denominator));
}

export function sumAbs(x: Float32Array): number {
  let sum = 0;
  for (const v of x) sum += Math.abs(v);
  return sum;
}

export function meanAbs(x: Float32Array): number {
  return sumAbs(x) / x.length;
}
