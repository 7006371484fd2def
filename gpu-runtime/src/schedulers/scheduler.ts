/**
 * The contract every noise scheduler honours, mirroring diffusers' `SchedulerMixin`
 * (`src/diffusers/schedulers/scheduling_utils.py`): `setTimesteps`, `scaleModelInput`, `step`,
 * `timesteps`, `initNoiseSigma`, `order`. Tensors are flat `Float32Array`s; every scheduler here
 * is elementwise, so the shape stays with the caller.
 *
 * Also the training-noise schedule shared by the diffusion (VP) schedulers: betas → alphas → ᾱ
 * (alphas_cumprod). Rectified-flow schedulers have no betas, so the contract itself only assumes
 * a training length.
 *
 * @module
 */
import type { SeededRandom } from "../random/seeded-random";

export type BetaSchedule = "linear" | "scaled_linear" | "squaredcos_cap_v2";
/** What the model predicts: the noise ε, the velocity v (Salimans & Ho 2022), or x₀ itself. */
export type PredictionType = "epsilon" | "v_prediction" | "sample";
/** How inference timesteps are spread over the training range (Lin et al. 2023, Table 2). */
export type TimestepSpacing = "leading" | "trailing" | "linspace";

/** What every scheduler's config has, diffusion or flow matching. */
export interface BaseSchedulerConfig {
  readonly numTrainTimesteps: number;
}

/** Fields every beta-schedule scheduler reads to build its training noise (diffusers' names, camelCased). */
export interface SchedulerConfig extends BaseSchedulerConfig {
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly betaSchedule: BetaSchedule;
  /** Explicit betas, overriding betaStart/betaEnd/betaSchedule (diffusers' `trained_betas`). */
  readonly trainedBetas: readonly number[] | null;
  readonly predictionType: PredictionType;
  readonly timestepSpacing: TimestepSpacing;
  readonly stepsOffset: number;
  /** Rescale to zero terminal SNR (Lin et al. 2023, "Common Diffusion Noise Schedules…", Alg. 1). */
  readonly rescaleBetasZeroSnr: boolean;
}

export interface SchedulerStepOutput {
  /** x_{t-1}: the next, less noisy sample. */
  readonly prevSample: Float32Array;
  /** The scheduler's estimate of the clean sample x₀ at this step (for previews / guidance). */
  readonly predOriginalSample: Float32Array;
}

export interface Scheduler {
  /** Each scheduler's own frozen config; narrow by class for its other fields. */
  readonly config: Readonly<BaseSchedulerConfig>;
  /** Model evaluations per step (1 for all schedulers here; diffusers' `order`). */
  readonly order: number;
  /** Standard deviation of the initial latent noise: multiply N(0, I) by this. */
  readonly initNoiseSigma: number;
  /** Timesteps to feed the model, in sampling order; empty until `setTimesteps`. */
  readonly timesteps: readonly number[];
  setTimesteps(numInferenceSteps: number): void;
  /** Input scaling the model expects at `timestep` (identity for DDIM/DPM/flow, 1/√(σ²+1) for Euler). */
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  /**
   * One reverse-diffusion step. `random` supplies any noise the step injects (Euler churn, DDIM
   * η > 0); a step that needs noise and gets none throws rather than inventing an unseeded draw.
   */
  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    random?: SeededRandom,
  ): SchedulerStepOutput;
  /**
   * The forward process: clean `original` latents noised with `noise` ~ N(0, I) to the noise
   * level the sampler expects *before* step `stepIndex` of the schedule (`timesteps.length`:
   * after the last step, i.e. clean). diffusers' `add_noise` / `scale_noise`, indexed by step
   * rather than timestep so image-to-image can start mid-schedule and inpainting can re-noise
   * the kept region to every step's level.
   */
  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number): Float32Array;
}

/**
 * Beta schedule as diffusers builds it (`betas` in each scheduler's `__init__`):
 * - "linear": DDPM (Ho et al. 2020, §4) — linspace(βstart, βend, T).
 * - "scaled_linear": Latent Diffusion / Stable Diffusion — linspace(√βstart, √βend, T)².
 * - "squaredcos_cap_v2": improved DDPM cosine schedule (Nichol & Dhariwal 2021, eq. 17), β capped
 *   at 0.999 so the last step is not singular.
 */
export function makeBetas(config: SchedulerConfig): Float64Array {
  const n = config.numTrainTimesteps;
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`numTrainTimesteps must be a positive integer, got ${n}`);
  }
  let betas: Float64Array;
  if (config.trainedBetas !== null) {
    betas = Float64Array.from(config.trainedBetas);
    if (betas.length !== n) {
      throw new RangeError(`trainedBetas has ${betas.length} entries, numTrainTimesteps is ${n}`);
    }
  } else if (config.betaSchedule === "linear") {
    betas = linspace(config.betaStart, config.betaEnd, n);
  } else if (config.betaSchedule === "scaled_linear") {
    betas = linspace(Math.sqrt(config.betaStart), Math.sqrt(config.betaEnd), n).map((b) => b * b);
  } else {
    betas = cosineBetas(n, 0.999);
  }
  return config.rescaleBetasZeroSnr ? rescaleZeroTerminalSnr(betas) : betas;
}

/** ᾱ_t = Π_{s≤t} (1 − β_s) (Ho et al. 2020, §2). */
export function alphasCumprod(betas: Float64Array): Float64Array {
  const out = new Float64Array(betas.length);
  let product = 1;
  for (let i = 0; i < betas.length; i++) {
    product *= 1 - (betas[i] ?? 0);
    out[i] = product;
  }
  return out;
}

/** numpy.linspace(start, stop, num) including both ends. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = start + i * step;
  // numpy pins the last value to `stop` exactly.
  out[num - 1] = stop;
  return out;
}

/** β_t = min(1 − ᾱ(t+1)/ᾱ(t), maxBeta), ᾱ(t) = cos²(((t/T) + 0.008)/1.008 · π/2) (Nichol & Dhariwal 2021, eq. 17). */
function cosineBetas(n: number, maxBeta: number): Float64Array {
  const alphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  const betas = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    betas[i] = Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), maxBeta);
  }
  return betas;
}

/**
 * Lin et al. 2023, Algorithm 1: shift and scale √ᾱ so the last timestep has exactly zero SNR
 * while the first is unchanged, letting the model learn to start from pure noise.
 */
function rescaleZeroTerminalSnr(betas: Float64Array): Float64Array {
  const sqrtBar = alphasCumprod(betas).map(Math.sqrt);
  const first = sqrtBar[0] ?? 1;
  const last = sqrtBar[sqrtBar.length - 1] ?? 0;
  const scaled = sqrtBar.map((v) => ((v - last) * first) / (first - last));
  const bar = scaled.map((v) => v * v);
  const out = new Float64Array(betas.length);
  for (let i = 0; i < bar.length; i++) {
    const prev = i === 0 ? 1 : (bar[i - 1] ?? 1);
    out[i] = 1 - (bar[i] ?? 0) / prev;
  }
  return out;
}

/**
 * Inference timesteps (descending) for the "leading" / "trailing" / "linspace" spacings, as
 * integers, following diffusers' DDIM/DPM `set_timesteps` (Lin et al. 2023, Table 2).
 */
export function spacedTimesteps(
  config: Pick<SchedulerConfig, "numTrainTimesteps" | "timestepSpacing" | "stepsOffset">,
  numInferenceSteps: number,
): number[] {
  const t = config.numTrainTimesteps;
  assertInferenceSteps(numInferenceSteps, t);
  const n = numInferenceSteps;
  const out: number[] = [];
  if (config.timestepSpacing === "linspace") {
    for (const v of linspace(0, t - 1, n)) out.push(roundHalfEven(v));
    out.reverse();
  } else if (config.timestepSpacing === "leading") {
    // Integer ratio, so timesteps are multiples of T // n shifted by stepsOffset.
    const ratio = Math.floor(t / n);
    for (let i = n - 1; i >= 0; i--) out.push(i * ratio + config.stepsOffset);
  } else {
    // Counts down from T in steps of T / n, then shifts by one so the first timestep is T − 1.
    // Same element count and values as numpy's arange(T, 0, -T / n).
    const ratio = t / n;
    const count = Math.ceil(-t / -ratio);
    for (let i = 0; i < count; i++) out.push(roundHalfEven(t - i * ratio) - 1);
  }
  return out;
}

export function assertInferenceSteps(numInferenceSteps: number, numTrainTimesteps: number): void {
  if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1) {
    throw new RangeError(`numInferenceSteps must be a positive integer, got ${numInferenceSteps}`);
  }
  if (numInferenceSteps > numTrainTimesteps) {
    throw new RangeError(
      `numInferenceSteps (${numInferenceSteps}) cannot exceed numTrainTimesteps (${numTrainTimesteps})`,
    );
  }
}

/** numpy's `round` (banker's rounding), which diffusers' schedules rely on. */
export function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The schedule index of `timestep`, found on a sampler's first step (later steps just count).
 * When a timestep occurs twice (Karras σ can collide after rounding), diffusers takes the second
 * so img2img starting mid-schedule does not skip a σ. A timestep not in the schedule is the
 * last step (`onMissing: "last"`, DPM-Solver's behaviour) or an error (`"throw"`, Euler's).
 */
export function findStepIndex(
  scheduler: string,
  timesteps: readonly number[],
  timestep: number,
  onMissing: "last" | "throw",
): number {
  if (timesteps.length === 0) throw new Error(`${scheduler}: call setTimesteps() before stepping`);
  const matches: number[] = [];
  timesteps.forEach((t, i) => {
    if (t === timestep) matches.push(i);
  });
  const index = matches.length > 1 ? matches[1] : matches[0];
  if (index !== undefined) return index;
  if (onMissing === "last") return timesteps.length - 1;
  throw new RangeError(`${scheduler}: timestep ${timestep} is not in the schedule`);
}
