/**
 * Noise schedulers for the denoising loop, diffusers-compatible: pick one by name or from a
 * model's `scheduler_config.json` — Euler, DDIM and DPM-Solver++(2M) for diffusion (ε / v)
 * models, flow-matching Euler for rectified-flow (velocity) models such as SD3 and Flux.
 *
 * @example
 * ```ts
 * const scheduler = createScheduler("dpm++2m", { betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012 });
 * scheduler.setTimesteps(25);
 * const noise = SeededRandom.forRequest(seed, imageIndex).randn(latentSize);
 * let latents = noise.map((v) => v * scheduler.initNoiseSigma);
 * for (const t of scheduler.timesteps) {
 *   const eps = unet(scheduler.scaleModelInput(latents, t), t);
 *   latents = scheduler.step(eps, t, latents).prevSample;
 * }
 * ```
 *
 * @module
 */

export {
  createScheduler,
  type SchedulerClasses,
  type SchedulerConfigs,
  type SchedulerName,
} from "./create-scheduler";
export {
  fromDiffusersConfig,
  nativeSchedulerName,
  SUPPORTED_DIFFUSERS_SCHEDULERS,
} from "./from-diffusers-config";
export type {
  BaseSchedulerConfig,
  BetaSchedule,
  PredictionType,
  Scheduler,
  SchedulerConfig,
  SchedulerStepOutput,
  TimestepSpacing,
} from "./scheduler";
export { DDIM_DEFAULTS, DDIMScheduler, type DDIMSchedulerConfig } from "./scheduling-ddim";
export {
  DPMSOLVER_MULTISTEP_DEFAULTS,
  DPMSolverMultistepScheduler,
  type DPMSolverMultistepSchedulerConfig,
} from "./scheduling-dpmsolver-multistep";
export {
  EULER_DISCRETE_DEFAULTS,
  EulerDiscreteScheduler,
  type EulerDiscreteSchedulerConfig,
} from "./scheduling-euler-discrete";
export {
  FLOW_MATCH_EULER_DISCRETE_DEFAULTS,
  FlowMatchEulerDiscreteScheduler,
  type FlowMatchEulerDiscreteSchedulerConfig,
} from "./scheduling-flow-match-euler-discrete";
