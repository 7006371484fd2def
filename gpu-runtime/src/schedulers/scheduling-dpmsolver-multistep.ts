/**
 * Multistep DPM-Solver / DPM-Solver++ (Lu et al. 2022: "DPM-Solver", arXiv:2206.00927, and
 * "DPM-Solver++", arXiv:2211.01095). The default, algorithmType "dpmsolver++" with solverOrder 2,
 * is DPM-Solver++(2M) (Algorithm 2 of the ++ paper), the usual "DPM++ 2M" sampler. Mirrors
 * diffusers' `DPMSolverMultistepScheduler` (`src/diffusers/schedulers/scheduling_dpmsolver_multistep.py`)
 * for its deterministic (non-SDE) variants.
 *
 * Notation: α_t = 1/√(σ²+1), σ_t = σ·α_t (VP), λ_t = ln(α_t/σ_t) the half log-SNR, h = λ_t − λ_s.
 *
 * @module
 */
import { dynamicThreshold } from "./dynamic-thresholding";
import {
  alphasCumprod,
  assertInferenceSteps,
  findStepIndex,
  linspace,
  makeBetas,
  roundHalfEven,
  type Scheduler,
  type SchedulerConfig,
  type SchedulerStepOutput,
} from "./scheduler";
import { interpAtIndex, karrasSigmas, sigmasFromAlphasCumprod, sigmaToTimestep } from "./sigmas";

export interface DPMSolverMultistepSchedulerConfig extends SchedulerConfig {
  /** 1, 2 or 3; the DPM-Solver++ paper recommends 2 for guided sampling. */
  readonly solverOrder: 1 | 2 | 3;
  /** "dpmsolver++" solves for x₀ (data prediction); "dpmsolver" for ε (noise prediction). */
  readonly algorithmType: "dpmsolver++" | "dpmsolver";
  /** Second-order update rule: midpoint (DPM-Solver++ Alg. 2) or Heun-like (diffusers' "heun"). */
  readonly solverType: "midpoint" | "heun";
  /** Drop to lower orders on the last steps when there are fewer than 15, for stability. */
  readonly lowerOrderFinal: boolean;
  /** Always take the last step with first order. */
  readonly eulerAtFinal: boolean;
  readonly useKarrasSigmas: boolean;
  /** Skip timesteps whose λ is below this (helps cosine schedules); −∞ keeps all. */
  readonly lambdaMinClipped: number;
  readonly finalSigmasType: "zero" | "sigma_min";
  readonly thresholding: boolean;
  readonly dynamicThresholdingRatio: number;
  readonly sampleMaxValue: number;
}

/** diffusers' `DPMSolverMultistepScheduler.__init__` defaults. */
export const DPMSOLVER_MULTISTEP_DEFAULTS: Readonly<DPMSolverMultistepSchedulerConfig> =
  Object.freeze({
    numTrainTimesteps: 1000,
    betaStart: 0.0001,
    betaEnd: 0.02,
    betaSchedule: "linear",
    trainedBetas: null,
    predictionType: "epsilon",
    timestepSpacing: "linspace",
    stepsOffset: 0,
    rescaleBetasZeroSnr: false,
    solverOrder: 2,
    algorithmType: "dpmsolver++",
    solverType: "midpoint",
    lowerOrderFinal: true,
    eulerAtFinal: false,
    useKarrasSigmas: false,
    lambdaMinClipped: Number.NEGATIVE_INFINITY,
    finalSigmasType: "zero",
    thresholding: false,
    dynamicThresholdingRatio: 0.995,
    sampleMaxValue: 1,
  });

interface NoiseLevel {
  readonly alpha: number;
  readonly sigma: number;
  readonly lambda: number;
}

/** α_t = 1/√(σ²+1), σ_t = σ·α_t, λ = ln α_t − ln σ_t (λ = +∞ at σ = 0). */
function noiseLevel(sigma: number): NoiseLevel {
  const alpha = 1 / Math.sqrt(sigma * sigma + 1);
  const sigmaT = sigma * alpha;
  return { alpha, sigma: sigmaT, lambda: Math.log(alpha) - Math.log(sigmaT) };
}

export class DPMSolverMultistepScheduler implements Scheduler {
  readonly config: Readonly<DPMSolverMultistepSchedulerConfig>;
  readonly order = 1;
  readonly initNoiseSigma = 1;
  readonly #alphasCumprod: Float64Array;
  readonly #trainSigmas: Float64Array;
  #sigmas: number[] = [];
  #timesteps: number[] = [];
  /** Converted model outputs of the last `solverOrder` steps, oldest first. */
  #modelOutputs: Float32Array[] = [];
  #lowerOrderNums = 0;
  #stepIndex: number | null = null;

  constructor(config: Partial<DPMSolverMultistepSchedulerConfig> = {}) {
    this.config = Object.freeze({ ...DPMSOLVER_MULTISTEP_DEFAULTS, ...config });
    if (![1, 2, 3].includes(this.config.solverOrder)) {
      throw new RangeError(`solverOrder must be 1, 2 or 3, got ${this.config.solverOrder}`);
    }
    this.#alphasCumprod = alphasCumprod(makeBetas(this.config));
    this.#trainSigmas = sigmasFromAlphasCumprod(this.#alphasCumprod);
  }

  get timesteps(): readonly number[] {
    return this.#timesteps;
  }

  get sigmas(): readonly number[] {
    return this.#sigmas;
  }

  setTimesteps(numInferenceSteps: number): void {
    const c = this.config;
    assertInferenceSteps(numInferenceSteps, c.numTrainTimesteps);
    // 1. Last usable timestep: drop those with λ_t < lambdaMinClipped (diffusers' searchsorted).
    let clipped = 0;
    for (const a of this.#alphasCumprod) {
      if (0.5 * Math.log(a) - 0.5 * Math.log(1 - a) < c.lambdaMinClipped) clipped++;
    }
    const lastTimestep = c.numTrainTimesteps - clipped;
    // 2. Timesteps: n + 1 points with the final one (t = 0) dropped, so the solver ends at σ_final.
    let timesteps: number[];
    if (c.timestepSpacing === "linspace") {
      timesteps = Array.from(linspace(0, lastTimestep - 1, numInferenceSteps + 1), roundHalfEven)
        .reverse()
        .slice(0, -1);
    } else if (c.timestepSpacing === "leading") {
      const ratio = Math.floor(lastTimestep / (numInferenceSteps + 1));
      timesteps = [];
      for (let i = numInferenceSteps; i >= 1; i--) timesteps.push(i * ratio + c.stepsOffset);
    } else {
      const ratio = c.numTrainTimesteps / numInferenceSteps;
      const count = Math.ceil(-lastTimestep / -ratio);
      timesteps = [];
      for (let i = 0; i < count; i++) timesteps.push(roundHalfEven(lastTimestep - i * ratio) - 1);
    }
    // 3. σ per timestep, optionally the Karras ramp mapped back to (rounded) timesteps.
    let sigmas = timesteps.map((t) => interpAtIndex(t, this.#trainSigmas));
    if (c.useKarrasSigmas) {
      const logSigmas = this.#trainSigmas.map(Math.log);
      const trainMin = this.#trainSigmas[0] ?? 0;
      const trainMax = this.#trainSigmas[this.#trainSigmas.length - 1] ?? 0;
      sigmas = karrasSigmas(trainMin, trainMax, numInferenceSteps);
      timesteps = sigmas.map((s) => roundHalfEven(sigmaToTimestep(s, logSigmas)));
    }
    const last =
      c.finalSigmasType === "zero"
        ? 0
        : Math.sqrt((1 - (this.#alphasCumprod[0] ?? 1)) / (this.#alphasCumprod[0] ?? 1));
    this.#sigmas = [...sigmas, last].map(Math.fround);
    this.#timesteps = timesteps;
    this.#modelOutputs = [];
    this.#lowerOrderNums = 0;
    this.#stepIndex = null;
  }

  /** The solver works on the unscaled VP sample. */
  scaleModelInput(sample: Float32Array, _timestep: number): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): SchedulerStepOutput {
    const c = this.config;
    const index = this.#currentIndex(timestep);
    const steps = this.#timesteps.length;
    // 1. Lower the order at the end: always with a zero final σ (λ = ∞ makes the higher-order
    //    differences undefined), and for short schedules when lowerOrderFinal (diffusers' rule).
    const lowerOrderFinal =
      index === steps - 1 &&
      (c.eulerAtFinal || (c.lowerOrderFinal && steps < 15) || c.finalSigmasType === "zero");
    const lowerOrderSecond = index === steps - 2 && c.lowerOrderFinal && steps < 15;
    // 2. Convert the network output to the solver's quantity (x₀ for ++, ε otherwise).
    const converted = this.#convertModelOutput(modelOutput, sample, index);
    this.#modelOutputs.push(converted);
    if (this.#modelOutputs.length > c.solverOrder) this.#modelOutputs.shift();
    // 3. Multistep update of the highest order the history allows.
    let prevSample: Float32Array;
    if (c.solverOrder === 1 || this.#lowerOrderNums < 1 || lowerOrderFinal) {
      prevSample = this.#firstOrderUpdate(converted, sample, index);
    } else if (c.solverOrder === 2 || this.#lowerOrderNums < 2 || lowerOrderSecond) {
      prevSample = this.#secondOrderUpdate(sample, index);
    } else {
      prevSample = this.#thirdOrderUpdate(sample, index);
    }
    if (this.#lowerOrderNums < c.solverOrder) this.#lowerOrderNums++;
    this.#stepIndex = index + 1;
    const predOriginalSample =
      c.algorithmType === "dpmsolver++" ? converted : this.#x0FromEpsilon(converted, sample, index);
    return { prevSample, predOriginalSample };
  }

  #level(index: number): NoiseLevel {
    const sigma = this.#sigmas[index];
    if (sigma === undefined)
      throw new RangeError(`DPMSolverMultistepScheduler: no σ for step ${index}`);
    return noiseLevel(sigma);
  }

  /** DPM-Solver++'s data prediction x₀ = (x − σ_t ε)/α_t; DPM-Solver works with ε directly. */
  #convertModelOutput(
    modelOutput: Float32Array,
    sample: Float32Array,
    index: number,
  ): Float32Array {
    const c = this.config;
    const { alpha, sigma } = this.#level(index);
    const out = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i] ?? 0;
      const m = modelOutput[i] ?? 0;
      let x0: number;
      if (c.predictionType === "epsilon") x0 = (x - sigma * m) / alpha;
      else if (c.predictionType === "sample") x0 = m;
      else x0 = alpha * x - sigma * m; // v-prediction (Salimans & Ho 2022)
      out[i] = x0;
    }
    const x0 = c.thresholding
      ? dynamicThreshold(out, c.dynamicThresholdingRatio, c.sampleMaxValue)
      : out;
    if (c.algorithmType === "dpmsolver++") return x0;
    // ε = (x − α_t x₀)/σ_t, exact for every parameterisation without thresholding.
    if (c.predictionType === "epsilon" && !c.thresholding) return Float32Array.from(modelOutput);
    return sample.map((x, i) => (x - alpha * (x0[i] ?? 0)) / sigma);
  }

  #x0FromEpsilon(eps: Float32Array, sample: Float32Array, index: number): Float32Array {
    const { alpha, sigma } = this.#level(index);
    return sample.map((x, i) => (x - sigma * (eps[i] ?? 0)) / alpha);
  }

  /** First-order exponential-integrator step of either paper (equivalent to DDIM). */
  #firstOrderUpdate(m0: Float32Array, sample: Float32Array, index: number): Float32Array {
    const t = this.#level(index + 1);
    const s = this.#level(index);
    const h = t.lambda - s.lambda;
    const out = new Float32Array(sample.length);
    if (this.config.algorithmType === "dpmsolver++") {
      const a = t.sigma / s.sigma;
      const b = t.alpha * Math.expm1(-h);
      for (let i = 0; i < out.length; i++) out[i] = a * (sample[i] ?? 0) - b * (m0[i] ?? 0);
    } else {
      const a = t.alpha / s.alpha;
      const b = t.sigma * Math.expm1(h);
      for (let i = 0; i < out.length; i++) out[i] = a * (sample[i] ?? 0) - b * (m0[i] ?? 0);
    }
    return out;
  }

  /**
   * Multistep second order: D0 = m0, D1 = (m0 − m1)/r0 with r0 = h_{i−1}/h_i, a backward
   * difference standing in for the derivative (DPM-Solver++ Alg. 2, "2M").
   */
  #secondOrderUpdate(sample: Float32Array, index: number): Float32Array {
    const m0 = this.#history(0);
    const m1 = this.#history(1);
    const t = this.#level(index + 1);
    const s0 = this.#level(index);
    const s1 = this.#level(index - 1);
    const h = t.lambda - s0.lambda;
    const r0 = (s0.lambda - s1.lambda) / h;
    const plus = this.config.algorithmType === "dpmsolver++";
    const midpoint = this.config.solverType === "midpoint";
    const em1 = plus ? Math.expm1(-h) : Math.expm1(h);
    const a = plus ? t.sigma / s0.sigma : t.alpha / s0.alpha;
    const scale = plus ? t.alpha : t.sigma;
    const c0 = scale * em1;
    // Midpoint: −½·c0·D1. Heun: ++ uses +α_t((e^{−h}−1)/h + 1)·D1, DPM-Solver −σ_t((e^h−1)/h − 1)·D1.
    const c1 = midpoint ? 0.5 * c0 : plus ? -scale * (em1 / h + 1) : scale * (em1 / h - 1);
    const out = new Float32Array(sample.length);
    for (let i = 0; i < out.length; i++) {
      const d0 = m0[i] ?? 0;
      const d1 = (d0 - (m1[i] ?? 0)) / r0;
      out[i] = a * (sample[i] ?? 0) - c0 * d0 - c1 * d1;
    }
    return out;
  }

  /** Multistep third order (DPM-Solver++ Appendix / diffusers' third-order update). */
  #thirdOrderUpdate(sample: Float32Array, index: number): Float32Array {
    const m0 = this.#history(0);
    const m1 = this.#history(1);
    const m2 = this.#history(2);
    const t = this.#level(index + 1);
    const s0 = this.#level(index);
    const s1 = this.#level(index - 1);
    const s2 = this.#level(index - 2);
    const h = t.lambda - s0.lambda;
    const r0 = (s0.lambda - s1.lambda) / h;
    const r1 = (s1.lambda - s2.lambda) / h;
    const plus = this.config.algorithmType === "dpmsolver++";
    const em1 = plus ? Math.expm1(-h) : Math.expm1(h);
    const a = plus ? t.sigma / s0.sigma : t.alpha / s0.alpha;
    const scale = plus ? t.alpha : t.sigma;
    const c0 = scale * em1;
    const c1 = plus ? -scale * (em1 / h + 1) : scale * (em1 / h - 1);
    const c2 = plus ? scale * ((em1 + h) / (h * h) - 0.5) : scale * ((em1 - h) / (h * h) - 0.5);
    const out = new Float32Array(sample.length);
    for (let i = 0; i < out.length; i++) {
      const d0 = m0[i] ?? 0;
      const d10 = (d0 - (m1[i] ?? 0)) / r0;
      const d11 = ((m1[i] ?? 0) - (m2[i] ?? 0)) / r1;
      const d1 = d10 + (r0 / (r0 + r1)) * (d10 - d11);
      const d2 = (d10 - d11) / (r0 + r1);
      out[i] = a * (sample[i] ?? 0) - c0 * d0 - c1 * d1 - c2 * d2;
    }
    return out;
  }

  /** The converted model output from `stepsBack` steps ago (0 = this step). */
  #history(stepsBack: number): Float32Array {
    const output = this.#modelOutputs[this.#modelOutputs.length - 1 - stepsBack];
    if (output === undefined) throw new Error("DPMSolverMultistepScheduler: not enough history");
    return output;
  }

  /** VP form from σ: α_t = 1/√(σ²+1), σ_t = σ·α_t, x = α_t·x₀ + σ_t·ε (diffusers' `add_noise`). */
  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    const sigma = this.#sigmas[stepIndex];
    if (sigma === undefined)
      throw new RangeError(`DPMSolverMultistepScheduler: no σ for step ${stepIndex}`);
    const alphaT = 1 / Math.sqrt(sigma * sigma + 1);
    const sigmaT = sigma * alphaT;
    return original.map((x, i) => alphaT * x + sigmaT * (noise[i] ?? 0));
  }

  #currentIndex(timestep: number): number {
    this.#stepIndex ??= findStepIndex(
      "DPMSolverMultistepScheduler",
      this.#timesteps,
      timestep,
      "last",
    );
    return this.#stepIndex;
  }
}
