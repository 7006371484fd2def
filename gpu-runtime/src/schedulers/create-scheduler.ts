/** Schedulers by name, the one place a name becomes a class. @module */
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
