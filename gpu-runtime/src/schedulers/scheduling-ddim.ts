/**
 * DDIM: Song, Meng & Ermon 2020, "Denoising Diffusion Implicit Models" (arXiv:2010.02502), the
 * generalised non-Markovian sampler of eq. 12 with σ_t(η) from eq. 16; η = 0 is deterministic.
 * Mirrors diffusers' `DDIMScheduler` (`src/diffusers/schedulers/scheduling_ddim.py`).
 *
 * η is a config field here because our `step` signature is fixed; diffusers passes it to `step()`.
 *
 * @example
 * ```ts
 * const ddim = new DDIMScheduler({ betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012, stepsOffset: 1 });
 * ddim.setTimesteps(50);
 * ```
 *
 * @module
 */
import type { SeededRandom } from "../random/seeded-random";
import { dynamicThreshold } from "./dynamic-thresholding";
import {
  alphasCumprod,
  makeBetas,
  type Scheduler,
  type SchedulerConfig,
  type SchedulerStepOutput,
  spacedTimesteps,
} from "./scheduler";

export interface DDIMSchedulerConfig extends SchedulerConfig {
  /** Clamp the predicted x₀ to ±clipSampleRange (pixel-space models). */
  readonly clipSample: boolean;
  readonly clipSampleRange: number;
  /** ᾱ used after the last step: 1 (fully clean) or ᾱ_0 (diffusers' `set_alpha_to_one`). */
  readonly setAlphaToOne: boolean;
  /** Imagen dynamic thresholding of x₀ instead of clipping (see dynamic-thresholding.ts). */
  readonly thresholding: boolean;
  readonly dynamicThresholdingRatio: number;
  readonly sampleMaxValue: number;
  /** η of eq. 16: 0 → DDIM (deterministic), 1 → DDPM-like ancestral noise. */
  readonly eta: number;
  /** Recompute ε from the clipped x₀, as in GLIDE. */
  readonly useClippedModelOutput: boolean;
}

/** diffusers' `DDIMScheduler.__init__` defaults (plus `step`'s eta / use_clipped_model_output). */
export const DDIM_DEFAULTS: Readonly<DDIMSchedulerConfig> = Object.freeze({
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: "linear",
  trainedBetas: null,
  predictionType: "epsilon",
  timestepSpacing: "leading",
  stepsOffset: 0,
  rescaleBetasZeroSnr: false,
  clipSample: true,
  clipSampleRange: 1,
  setAlphaToOne: true,
  thresholding: false,
  dynamicThresholdingRatio: 0.995,
  sampleMaxValue: 1,
  eta: 0,
  useClippedModelOutput: false,
});

export class DDIMScheduler implements Scheduler {
  readonly config: Readonly<DDIMSchedulerConfig>;
  readonly order = 1;
  /** DDIM works in VP form: x_T ~ N(0, I). */
  readonly initNoiseSigma = 1;
  readonly #alphasCumprod: Float64Array;
  readonly #finalAlphaCumprod: number;
  #timesteps: number[] = [];
  #numInferenceSteps = 0;

  constructor(config: Partial<DDIMSchedulerConfig> = {}) {
    this.config = Object.freeze({ ...DDIM_DEFAULTS, ...config });
    this.#alphasCumprod = alphasCumprod(makeBetas(this.config));
    this.#finalAlphaCumprod = this.config.setAlphaToOne ? 1 : (this.#alphasCumprod[0] ?? 1);
  }

  get timesteps(): readonly number[] {
    return this.#timesteps;
  }

  setTimesteps(numInferenceSteps: number): void {
    this.#timesteps = spacedTimesteps(this.config, numInferenceSteps);
    this.#numInferenceSteps = numInferenceSteps;
  }

  /** DDIM's model input is the sample itself. */
  scaleModelInput(sample: Float32Array, _timestep: number): Float32Array {
    return sample;
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    random?: SeededRandom,
  ): SchedulerStepOutput {
    const c = this.config;
    if (this.#numInferenceSteps === 0) {
      throw new Error("DDIMScheduler: call setTimesteps() before stepping");
    }
    // 1. Previous timestep: one stride T // n back (diffusers' rule for every spacing).
    const prevTimestep = timestep - Math.floor(c.numTrainTimesteps / this.#numInferenceSteps);
    // 2. ᾱ_t and ᾱ_{t−1} (notation of Song et al.: α_t there is ᾱ_t here).
    const alphaProdT = this.#alphaAt(timestep);
    const alphaProdPrev = prevTimestep >= 0 ? this.#alphaAt(prevTimestep) : this.#finalAlphaCumprod;
    const betaProdT = 1 - alphaProdT;
    const sqrtAlpha = Math.sqrt(alphaProdT);
    const sqrtBeta = Math.sqrt(betaProdT);
    // 3. "predicted x₀" of eq. 12, and the matching ε, from the model's parameterisation.
    let predOriginalSample: Float32Array = new Float32Array(sample.length);
    let predEpsilon: Float32Array = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i] ?? 0;
      const out = modelOutput[i] ?? 0;
      if (c.predictionType === "epsilon") {
        predOriginalSample[i] = (x - sqrtBeta * out) / sqrtAlpha;
        predEpsilon[i] = out;
      } else if (c.predictionType === "sample") {
        predOriginalSample[i] = out;
        predEpsilon[i] = (x - sqrtAlpha * out) / sqrtBeta;
      } else {
        // v = √ᾱ·ε − √(1−ᾱ)·x₀ (Salimans & Ho 2022).
        predOriginalSample[i] = sqrtAlpha * x - sqrtBeta * out;
        predEpsilon[i] = sqrtAlpha * out + sqrtBeta * x;
      }
    }
    // 4. Clip or dynamically threshold x₀.
    if (c.thresholding) {
      predOriginalSample = dynamicThreshold(
        predOriginalSample,
        c.dynamicThresholdingRatio,
        c.sampleMaxValue,
      );
    } else if (c.clipSample) {
      const r = c.clipSampleRange;
      predOriginalSample = predOriginalSample.map((v) => Math.min(Math.max(v, -r), r));
    }
    // 5. σ_t(η) of eq. 16.
    const variance = this.#variance(alphaProdT, alphaProdPrev);
    const stdDev = c.eta * Math.sqrt(variance);
    if (c.useClippedModelOutput) {
      // GLIDE: re-derive ε from the clipped x₀ so the direction term agrees with it.
      predEpsilon = sample.map((x, i) => (x - sqrtAlpha * (predOriginalSample[i] ?? 0)) / sqrtBeta);
    }
    // 6. "direction pointing to x_t" and 7. x_{t−1} without noise, both from eq. 12.
    const directionScale = Math.sqrt(1 - alphaProdPrev - stdDev * stdDev);
    const sqrtAlphaPrev = Math.sqrt(alphaProdPrev);
    const prevSample = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      prevSample[i] =
        sqrtAlphaPrev * (predOriginalSample[i] ?? 0) + directionScale * (predEpsilon[i] ?? 0);
    }
    // 8. eq. 12's random term σ_t·ε_t, only when η > 0.
    if (c.eta > 0) {
      if (random === undefined) throw new Error("DDIMScheduler: eta > 0 needs a SeededRandom");
      const noise = random.randn(sample.length);
      for (let i = 0; i < prevSample.length; i++) {
        prevSample[i] = (prevSample[i] ?? 0) + stdDev * (noise[i] ?? 0);
      }
    }
    return { prevSample, predOriginalSample };
  }

  /** x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε (Ho et al. 2020, eq. 4; diffusers' `add_noise`). */
  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    const timestep = this.#timesteps[stepIndex];
    if (timestep === undefined && stepIndex !== this.#timesteps.length) {
      throw new RangeError(`DDIMScheduler: no step ${stepIndex}`);
    }
    const alpha = timestep === undefined ? this.#finalAlphaCumprod : this.#alphaAt(timestep);
    const keep = Math.sqrt(alpha);
    const add = Math.sqrt(1 - alpha);
    return original.map((x, i) => keep * x + add * (noise[i] ?? 0));
  }

  /** σ_t²/η² of eq. 16: (1 − ᾱ_{t−1})/(1 − ᾱ_t) · (1 − ᾱ_t/ᾱ_{t−1}). */
  variance(timestep: number, prevTimestep: number): number {
    const alphaProdPrev = prevTimestep >= 0 ? this.#alphaAt(prevTimestep) : this.#finalAlphaCumprod;
    return this.#variance(this.#alphaAt(timestep), alphaProdPrev);
  }

  #variance(alphaProdT: number, alphaProdPrev: number): number {
    return ((1 - alphaProdPrev) / (1 - alphaProdT)) * (1 - alphaProdT / alphaProdPrev);
  }

  #alphaAt(timestep: number): number {
    const value = this.#alphasCumprod[timestep];
    if (!Number.isInteger(timestep) || value === undefined) {
      throw new RangeError(
        `DDIMScheduler: timestep ${timestep} is outside [0, ${this.#alphasCumprod.length})`,
      );
    }
    return value;
  }
}
