/**
 * Euler sampler for rectified-flow models (Liu et al. 2022, "Flow Straight and Fast"; Esser et
 * al. 2024, "Scaling Rectified Flow Transformers", the SD3 paper), as diffusers'
 * `FlowMatchEulerDiscreteScheduler` (`src/diffusers/schedulers/scheduling_flow_match_euler_discrete.py`)
 * runs it for SD3 and Flux.
 *
 * The forward process is the straight line x_σ = (1 − σ)·x₀ + σ·ε, σ ∈ [0, 1], and the model
 * predicts its velocity v = dx/dσ = ε − x₀ (`prediction_type` "flow_prediction"). Sampling
 * integrates that ODE from σ = 1 (pure noise, so `initNoiseSigma` is 1 and the model input is not
 * rescaled) to σ = 0 with Euler steps. The model is conditioned on t = σ·numTrainTimesteps.
 *
 * Resolution-dependent shifting (`use_dynamic_shifting`, Flux's μ) is not implemented: it needs
 * the latent sequence length at `setTimesteps`, which this contract does not pass.
 *
 * @example
 * ```ts
 * const flow = new FlowMatchEulerDiscreteScheduler({ shift: 3 }); // SD3's scheduler_config.json
 * flow.setTimesteps(28);
 * flow.timesteps[0]; // 1000
 * ```
 *
 * @module
 */
import type { SeededRandom } from "../random/seeded-random";
import {
  type BaseSchedulerConfig,
  findStepIndex,
  linspace,
  type Scheduler,
  type SchedulerStepOutput,
} from "./scheduler";

export interface FlowMatchEulerDiscreteSchedulerConfig extends BaseSchedulerConfig {
  /**
   * Timestep shift s of SD3 §5.3.2: σ' = s·σ / (1 + (s − 1)·σ), spending more steps at
   * high noise, which higher resolutions need. 1 leaves the schedule linear.
   */
  readonly shift: number;
  /** Only `false`: Flux's per-resolution μ shift is not implemented (see the module docs). */
  readonly useDynamicShifting: false;
  /** The μ range of dynamic shifting, kept so a diffusers config round-trips; unused while it is off. */
  readonly baseShift: number;
  readonly maxShift: number;
  readonly baseImageSeqLen: number;
  readonly maxImageSeqLen: number;
  readonly timeShiftType: "exponential" | "linear";
}

/** diffusers' `FlowMatchEulerDiscreteScheduler.__init__` defaults. */
export const FLOW_MATCH_EULER_DISCRETE_DEFAULTS: Readonly<FlowMatchEulerDiscreteSchedulerConfig> =
  Object.freeze({
    numTrainTimesteps: 1000,
    shift: 1,
    useDynamicShifting: false,
    baseShift: 0.5,
    maxShift: 1.15,
    baseImageSeqLen: 256,
    maxImageSeqLen: 4096,
    timeShiftType: "exponential",
  });

export class FlowMatchEulerDiscreteScheduler implements Scheduler {
  readonly config: Readonly<FlowMatchEulerDiscreteSchedulerConfig>;
  readonly order = 1;
  /** x at σ = 1 is pure N(0, I) noise. */
  readonly initNoiseSigma = 1;
  /** Ends of the training σ range (after the shift), as float32 like diffusers' tensor. */
  readonly #sigmaMax: number;
  readonly #sigmaMin: number;
  #sigmas: number[] = [];
  #timesteps: number[] = [];
  #stepIndex: number | null = null;

  constructor(config: Partial<FlowMatchEulerDiscreteSchedulerConfig> = {}) {
    this.config = Object.freeze({ ...FLOW_MATCH_EULER_DISCRETE_DEFAULTS, ...config });
    const { numTrainTimesteps: n, shift, useDynamicShifting } = this.config;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`numTrainTimesteps must be a positive integer, got ${n}`);
    }
    if (!(Number.isFinite(shift) && shift > 0)) {
      throw new RangeError(`shift must be a positive number, got ${shift}`);
    }
    if (useDynamicShifting !== false) {
      throw new Error(
        "FlowMatchEulerDiscreteScheduler: useDynamicShifting (a per-resolution μ) is not implemented; use a fixed shift",
      );
    }
    // Training σ are k/T for k = T … 1, shifted; diffusers keeps them in float32, so the σ_min
    // that set_timesteps starts from is the float32 one.
    this.#sigmaMax = shiftSigmaFloat32(1, shift);
    this.#sigmaMin = shiftSigmaFloat32(Math.fround(1 / n), shift);
  }

  get timesteps(): readonly number[] {
    return this.#timesteps;
  }

  /** σ per step plus the terminal σ = 0, as float32 like diffusers' tensor. */
  get sigmas(): readonly number[] {
    return this.#sigmas;
  }

  setTimesteps(numInferenceSteps: number): void {
    if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1) {
      throw new RangeError(
        `numInferenceSteps must be a positive integer, got ${numInferenceSteps}`,
      );
    }
    const { numTrainTimesteps: n, shift } = this.config;
    // 1. Timesteps evenly spaced between the (already shifted) training σ_max·T and σ_min·T, in
    //    float64 as numpy computes them. A schedule is continuous, so more steps than T is fine.
    const ts = linspace(this.#sigmaMax * n, this.#sigmaMin * n, numInferenceSteps);
    // 2. Back to σ and shifted (again: diffusers applies the shift to the shifted σ_min end too),
    //    then float32; the model's t is that float32 σ times T.
    const sigmas = Array.from(ts, (t) => Math.fround(shiftSigma(t / n, shift)));
    this.#timesteps = sigmas.map((s) => Math.fround(s * n));
    // 3. The terminal σ = 0: the last step lands on the clean sample.
    this.#sigmas = [...sigmas, 0];
    this.#stepIndex = null;
  }

  /** The flow model sees x_σ as it is: no input scaling. */
  scaleModelInput(sample: Float32Array, _timestep: number): Float32Array {
    return sample;
  }

  /**
   * The forward process at `timestep`, x_σ = σ·ε + (1 − σ)·x₀ (diffusers' `scale_noise`): how an
   * image-to-image start noises its input before sampling from that step.
   */
  scaleNoise(sample: Float32Array, timestep: number, noise: Float32Array): Float32Array {
    const index = findStepIndex(
      "FlowMatchEulerDiscreteScheduler",
      this.#timesteps,
      Math.fround(timestep),
      "throw",
    );
    const sigma = this.#sigmaAt(index);
    const keep = Math.fround(1 - sigma);
    return sample.map((x, i) => Math.fround(sigma * (noise[i] ?? 0)) + Math.fround(keep * x));
  }

  /** {@link scaleNoise} by step index: x_σ = σ·ε + (1 − σ)·x₀, clean after the last step. */
  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    const sigma = this.#sigmaAt(stepIndex);
    const keep = Math.fround(1 - sigma);
    return original.map((x, i) => Math.fround(sigma * (noise[i] ?? 0)) + Math.fround(keep * x));
  }

  /** Euler on dx/dσ = v: x_{σ'} = x_σ + (σ' − σ)·v. Deterministic, so `random` is not used. */
  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    _random?: SeededRandom,
  ): SchedulerStepOutput {
    const index = this.#currentIndex(timestep);
    const sigma = this.#sigmaAt(index);
    // float32 arithmetic throughout, like diffusers' upcast-to-float32 step.
    const dt = Math.fround(this.#sigmaAt(index + 1) - sigma);
    const prevSample = new Float32Array(sample.length);
    const predOriginalSample = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x = sample[i] ?? 0;
      const v = modelOutput[i] ?? 0;
      prevSample[i] = x + Math.fround(dt * v);
      // x₀ = x_σ − σ·v, since x_σ − σ(ε − x₀) = (1 − σ)x₀ + σε − σε + σx₀.
      predOriginalSample[i] = x - Math.fround(sigma * v);
    }
    this.#stepIndex = index + 1;
    return { prevSample, predOriginalSample };
  }

  #sigmaAt(index: number): number {
    const sigma = this.#sigmas[index];
    if (sigma === undefined) {
      throw new RangeError(`FlowMatchEulerDiscreteScheduler: no σ for step ${index}`);
    }
    return sigma;
  }

  #currentIndex(timestep: number): number {
    this.#stepIndex ??= findStepIndex(
      "FlowMatchEulerDiscreteScheduler",
      this.#timesteps,
      Math.fround(timestep),
      "throw",
    );
    return this.#stepIndex;
  }
}

/** The SD3 §5.3.2 shift in float64, as numpy applies it in diffusers' `set_timesteps`. */
function shiftSigma(sigma: number, shift: number): number {
  return (shift * sigma) / (1 + (shift - 1) * sigma);
}

/** The SD3 §5.3.2 shift with every operation rounded to float32, as torch applies it in diffusers' `__init__`. */
function shiftSigmaFloat32(sigma: number, shift: number): number {
  const f = Math.fround;
  const numerator = f(f(shift) * sigma);
  const denominator = f(1 + f(f(shift - 1) * sigma));
  return f(numerator / denominator);
}
