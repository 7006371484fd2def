/**
 * Noise-level (σ) helpers shared by the σ-parameterised schedulers (Euler, DPM-Solver): the
 * VP→VE conversion σ_t = √((1 − ᾱ_t)/ᾱ_t) (Karras et al. 2022, Table 1), interpolation between
 * discrete training timesteps, and the Karras σ ramp.
 *
 * @module
 */

/** σ_t = √((1 − ᾱ_t) / ᾱ_t) for every training timestep (Karras et al. 2022, Table 1, "VP"). */
export function sigmasFromAlphasCumprod(alphasCumprod: Float64Array): Float64Array {
  return alphasCumprod.map((a) => Math.sqrt((1 - a) / a));
}

/** numpy.interp(x, [0, 1, …, n−1], table): piecewise-linear lookup with edge clamping. */
export function interpAtIndex(x: number, table: Float64Array): number {
  const last = table.length - 1;
  if (x <= 0) return table[0] ?? 0;
  if (x >= last) return table[last] ?? 0;
  const lo = Math.floor(x);
  const frac = x - lo;
  const a = table[lo] ?? 0;
  const b = table[lo + 1] ?? 0;
  return a + frac * (b - a);
}

/**
 * Karras et al. 2022, eq. 5: σ_i = (σ_max^{1/ρ} + i/(N−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ with
 * ρ = 7, spending more steps at low noise where detail is formed.
 */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, count: number): number[] {
  const rho = 7;
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const ramp = count === 1 ? 0 : i / (count - 1);
    out.push((maxInv + ramp * (minInv - maxInv)) ** rho);
  }
  return out;
}

/**
 * Inverse of the σ lookup: the fractional training timestep whose σ is `sigma`, interpolating
 * linearly in log σ between neighbouring timesteps (diffusers' `_sigma_to_t`).
 */
export function sigmaToTimestep(sigma: number, logSigmas: Float64Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  // Index of the last training σ not above `sigma` (log σ grows with t), kept one short of the end
  // so there is always an upper neighbour.
  let low = 0;
  for (let i = 0; i < logSigmas.length; i++) {
    if (logSigma - (logSigmas[i] ?? 0) >= 0) low = i;
  }
  low = Math.min(low, logSigmas.length - 2);
  const lowValue = logSigmas[low] ?? 0;
  const highValue = logSigmas[low + 1] ?? 0;
  const w = Math.min(Math.max((lowValue - logSigma) / (lowValue - highValue), 0), 1);
  return (1 - w) * low + w * (low + 1);
}
