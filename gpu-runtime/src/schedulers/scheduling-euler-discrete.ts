/**
 * Euler sampler for discrete-time models: Karras et al. 2022 ("Elucidating the Design Space of
 * Diffusion-Based Generative Models"), Algorithm 2 without its second-order correction, as in
 * k-diffusion's `sample_euler` and diffusers' `EulerDiscreteScheduler`
 * (`src/diffusers/schedulers/scheduling_euler_discrete.py`).
 *
 * The VP model is run in VE form: x = x_VP·√(1+σ²), so the model input is scaled by 1/√(σ²+1).
 * Churn (s_churn…) is a config field here because our `step` signature is fixed; diffusers passes
 * it to `step()`.
 *
 * @example
 * ```ts
 * const euler = new EulerDiscreteScheduler({ betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012 });
 * euler.setTimesteps(30);
 * ```
 *
 * @module
 */
import type { SeededRandom } from "../random/seeded-random";
import {
  alphasCumprod,
  assertInferenceSteps,
  findStepIndex,
  linspace,
  makeBetas,
  type Scheduler,
  type SchedulerConfig,
  type SchedulerStepOutput,
  spacedTimesteps,
} from "./scheduler";
import { interpAtIndex, karrasSigmas, sigmasFromAlphasCumprod, sigmaToTimestep } from "./sigmas";

export interface EulerDiscreteSchedulerConfig extends SchedulerConfig {
  /** Karras et al. 2022 eq. 5 σ ramp instead of the model's own σ at evenly spaced timesteps. */
  readonly useKarrasSigmas: boolean;
  /** Ends of the Karras ramp; null uses the schedule's own σ_min / σ_max. */
  readonly sigmaMin: number | null;
  readonly sigmaMax: number | null;
  /** "continuous": timesteps are c_noise = ¼·ln σ (Karras et al. 2022, Table 1, EDM) for v-models. */
  readonly timestepType: "discrete" | "continuous";
  /** σ after the last step: 0 (fully denoised) or the training σ_min. */
  readonly finalSigmasType: "zero" | "sigma_min";
  /** Algorithm 2's stochasticity: S_churn, S_tmin, S_tmax, S_noise. */
  readonly sChurn: number;
  readonly sTmin: number;
  readonly sTmax: number;
  readonly sNoise: number;
}

/** diffusers' `EulerDiscreteScheduler.__init__` defaults. */
export const EULER_DISCRETE_DEFAULTS: Readonly<EulerDiscreteSchedulerConfig> = Object.freeze({
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: "linear",
  trainedBetas: null,
  predictionType: "epsilon",
  timestepSpacing: "linspace",
  stepsOffset: 0,
  rescaleBetasZeroSnr: false,
  useKarrasSigmas: false,
  sigmaMin: null,
  sigmaMax: null,
  timestepType: "discrete",
  finalSigmasType: "zero",
  sChurn: 0,
  sTmin: 0,
  sTmax: Number.POSITIVE_INFINITY,
  sNoise: 1,
});

export class EulerDiscreteScheduler implements Scheduler {
  readonly config: Readonly<EulerDiscreteSchedulerConfig>;
  readonly order = 1;
  readonly #trainSigmas: Float64Array;
  #sigmas: number[] = [];
  #timesteps: number[] = [];
  #stepIndex: number | null = null;

  constructor(config: Partial<EulerDiscreteSchedulerConfig> = {}) {
    this.config = Object.freeze({ ...EULER_DISCRETE_DEFAULTS, ...config });
    const bar = alphasCumprod(makeBetas(this.config));
    // With zero terminal SNR ᾱ_T = 0 makes σ_T infinite; diffusers substitutes 2^-24.
    if (this.config.rescaleBetasZeroSnr) bar[bar.length - 1] = 2 ** -24;
    this.#trainSigmas = sigmasFromAlphasCumprod(bar);
  }

  get timesteps(): readonly number[] {
    return this.#timesteps;
  }

  /** σ per step plus the final σ, as float32 like diffusers' tensor. */
  get sigmas(): readonly number[] {
    return this.#sigmas;
  }

  /** x_T ~ N(0, σ_max²) in VE form; "leading" adds the VP unit variance (diffusers' rule). */
  get initNoiseSigma(): number {
    const max = this.#sigmas.length > 0 ? Math.max(...this.#sigmas) : this.#maxTrainSigma();
    const spacing = this.config.timestepSpacing;
    return spacing === "linspace" || spacing === "trailing" ? max : Math.sqrt(max * max + 1);
  }

  setTimesteps(numInferenceSteps: number): void {
    const c = this.config;
    // 1. Timesteps per spacing; "linspace" stays fractional for Euler (diffusers keeps floats).
    assertInferenceSteps(numInferenceSteps, c.numTrainTimesteps);
    // float32 like diffusers' timestep tensor, so a caller's timesteps compare equal to ours.
    let timesteps = (
      c.timestepSpacing === "linspace"
        ? Array.from(linspace(0, c.numTrainTimesteps - 1, numInferenceSteps)).reverse()
        : spacedTimesteps(c, numInferenceSteps)
    ).map(Math.fround);
    // 2. σ at each timestep, interpolated between training timesteps.
    let sigmas = timesteps.map((t) => interpAtIndex(t, this.#trainSigmas));
    // 3. Optionally replace by the Karras ramp and map each σ back to a fractional timestep.
    if (c.useKarrasSigmas) {
      const logSigmas = this.#trainSigmas.map(Math.log);
      sigmas = karrasSigmas(
        c.sigmaMin ?? sigmas[sigmas.length - 1] ?? 0,
        c.sigmaMax ?? sigmas[0] ?? 0,
        numInferenceSteps,
      );
      timesteps = sigmas.map((s) => Math.fround(sigmaToTimestep(s, logSigmas)));
    }
    const last = c.finalSigmasType === "zero" ? 0 : (this.#trainSigmas[0] ?? 0);
    this.#sigmas = [...sigmas, last].map(Math.fround);
    // 4. EDM-style continuous timesteps c_noise(σ) = ¼ ln σ for v-prediction models.
    this.#timesteps =
      c.timestepType === "continuous" && c.predictionType === "v_prediction"
        ? this.#sigmas.slice(0, -1).map((s) => Math.fround(0.25 * Math.log(s)))
        : timesteps;
    this.#stepIndex = null;
  }

  /** x / √(σ² + 1): the VE sample rescaled to the unit-variance input a VP model was trained on. */
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    const sigma = this.#sigmaAt(this.#currentIndex(timestep));
    const scale = 1 / Math.sqrt(sigma * sigma + 1);
    return sample.map((v) => v * scale);
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    random?: SeededRandom,
  ): SchedulerStepOutput {
    const c = this.config;
    const index = this.#currentIndex(timestep);
    const sigma = this.#sigmaAt(index);
    // 1. Algorithm 2 line 4: γ = min(S_churn/N, √2 − 1) when σ ∈ [S_tmin, S_tmax].
    const steps = this.#sigmas.length - 1;
    const gamma =
      c.sTmin <= sigma && sigma <= c.sTmax ? Math.min(c.sChurn / steps, Math.SQRT2 - 1) : 0;
    // 2. Line 5: raise the noise level to σ̂ = σ(1 + γ) …
    const sigmaHat = sigma * (gamma + 1);
    let x = sample;
    if (gamma > 0) {
      if (random === undefined)
        throw new Error("EulerDiscreteScheduler: sChurn > 0 needs a SeededRandom");
      // … line 6: by adding ε ~ N(0, S_noise²) scaled by √(σ̂² − σ²).
      const noise = random.randn(sample.length);
      const amount = c.sNoise * Math.sqrt(sigmaHat * sigmaHat - sigma * sigma);
      x = sample.map((v, i) => v + (noise[i] ?? 0) * amount);
    }
    // 3. Denoised estimate D(x̂; σ̂) from the model's parameterisation.
    const predOriginalSample = new Float32Array(x.length);
    const vScale = -sigma / Math.sqrt(sigma * sigma + 1);
    const vSkip = 1 / (sigma * sigma + 1);
    for (let i = 0; i < x.length; i++) {
      const xi = x[i] ?? 0;
      const out = modelOutput[i] ?? 0;
      if (c.predictionType === "epsilon") predOriginalSample[i] = xi - sigmaHat * out;
      // v-prediction (Salimans & Ho 2022): D = c_out·v + c_skip·x, c_out = −σ/√(σ²+1), c_skip = 1/(σ²+1).
      else if (c.predictionType === "v_prediction")
        predOriginalSample[i] = out * vScale + xi * vSkip;
      else predOriginalSample[i] = out;
    }
    // 4. Line 7: d = (x̂ − D)/σ̂; line 8: Euler step x_{i+1} = x̂ + (σ_{i+1} − σ̂)·d.
    const dt = this.#sigmaAt(index + 1) - sigmaHat;
    const prevSample = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const xi = x[i] ?? 0;
      const derivative = (xi - (predOriginalSample[i] ?? 0)) / sigmaHat;
      prevSample[i] = xi + derivative * dt;
    }
    this.#stepIndex = index + 1;
    return { prevSample, predOriginalSample };
  }

  /** VE form: x = x₀ + σ·ε (diffusers' `EulerDiscreteScheduler.add_noise`). */
  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    const sigma = this.#sigmaAt(stepIndex);
    return original.map((x, i) => x + sigma * (noise[i] ?? 0));
  }

  #maxTrainSigma(): number {
    return Math.fround(this.#trainSigmas[this.#trainSigmas.length - 1] ?? 0);
  }

  #sigmaAt(index: number): number {
    const sigma = this.#sigmas[index];
    if (sigma === undefined) throw new RangeError(`EulerDiscreteScheduler: no σ for step ${index}`);
    return sigma;
  }

  #currentIndex(timestep: number): number {
    // Timesteps are stored as float32 values, as diffusers' tensors hold them.
    this.#stepIndex ??= findStepIndex(
      "EulerDiscreteScheduler",
      this.#timesteps,
      Math.fround(timestep),
      "throw",
    );
    return this.#stepIndex;
  }
}
