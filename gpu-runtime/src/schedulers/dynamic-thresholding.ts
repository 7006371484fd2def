/**
 * Dynamic thresholding of a predicted x₀ (Saharia et al. 2022, "Imagen"): clamp to the
 * `ratio` quantile s of |x₀| (s kept in [1, maxValue]) and divide by s, which stops saturated
 * pixels at high guidance scales. Mirrors diffusers' `_threshold_sample`.
 *
 * The quantile is taken over the whole flat tensor, i.e. the tensor is one batch item; diffusers
 * takes it per item, so batched callers step each image's slice separately.
 *
 * @module
 */

export function dynamicThreshold(
  sample: Float32Array,
  ratio: number,
  maxValue: number,
): Float32Array {
  const sorted = Float64Array.from(sample, Math.abs).sort();
  // torch.quantile's default "linear" interpolation between order statistics.
  const position = ratio * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? 0;
  const quantile = a + (position - lo) * (b - a);
  const s = Math.min(Math.max(quantile, 1), maxValue);
  return sample.map((v) => Math.min(Math.max(v, -s), s) / s);
}
