/**
 * Noise schedulers for the denoising loop, diffusers-compatible: pick one by name or from a
 * model's `scheduler_config.json`.
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
import type { Scheduler } from "./scheduler";
import { DDIMScheduler, type DDIMSchedulerConfig } from "./scheduling-ddim";
import {
  DPMSolverMultistepScheduler,
  type DPMSolverMultistepSchedulerConfig,
} from "./scheduling-dpmsolver-multistep";
import {
  EulerDiscreteScheduler,
  type EulerDiscreteSchedulerConfig,
} from "./scheduling-euler-discrete";

export {
  fromDiffusersConfig,
  nativeSchedulerName,
  SUPPORTED_DIFFUSERS_SCHEDULERS,
} from "./from-diffusers-config";
export type {
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

/** Config accepted by each scheduler name. */
export interface SchedulerConfigs {
  euler: EulerDiscreteSchedulerConfig;
  ddim: DDIMSchedulerConfig;
  "dpm++2m": DPMSolverMultistepSchedulerConfig;
}
export type SchedulerName = keyof SchedulerConfigs;

const FACTORIES: { [N in SchedulerName]: (config: Partial<SchedulerConfigs[N]>) => Scheduler } = {
  euler: (config) => new EulerDiscreteScheduler(config),
  ddim: (config) => new DDIMScheduler(config),
  // DPM-Solver++(2M) is the multistep solver's default: order 2, algorithm "dpmsolver++".
  "dpm++2m": (config) => new DPMSolverMultistepScheduler(config),
};

/** A scheduler by name; `config` overrides that scheduler's diffusers defaults. */
export function createScheduler<N extends SchedulerName>(
  name: N,
  config: Partial<SchedulerConfigs[N]> = {},
): Scheduler {
  const factory: (config: Partial<SchedulerConfigs[N]>) => Scheduler = FACTORIES[name];
  if (factory === undefined) throw new Error(`Unknown scheduler "${String(name)}"`);
  return factory(config);
}
