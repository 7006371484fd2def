/** Schedulers by name, the one place a name becomes a class. @module */
import { DDIMScheduler, type DDIMSchedulerConfig } from "./scheduling-ddim";
import {
  DPMSolverMultistepScheduler,
  type DPMSolverMultistepSchedulerConfig,
} from "./scheduling-dpmsolver-multistep";
import {
  EulerDiscreteScheduler,
  type EulerDiscreteSchedulerConfig,
} from "./scheduling-euler-discrete";
import {
  FlowMatchEulerDiscreteScheduler,
  type FlowMatchEulerDiscreteSchedulerConfig,
} from "./scheduling-flow-match-euler-discrete";

/** Config accepted by each scheduler name. */
export interface SchedulerConfigs {
  euler: EulerDiscreteSchedulerConfig;
  ddim: DDIMSchedulerConfig;
  "dpm++2m": DPMSolverMultistepSchedulerConfig;
  /** Euler on a rectified-flow (velocity) model; a request's "euler" on a flow model is this. */
  "flow-euler": FlowMatchEulerDiscreteSchedulerConfig;
}
export type SchedulerName = keyof SchedulerConfigs;

/** The class each scheduler name builds. */
export interface SchedulerClasses {
  euler: EulerDiscreteScheduler;
  ddim: DDIMScheduler;
  "dpm++2m": DPMSolverMultistepScheduler;
  "flow-euler": FlowMatchEulerDiscreteScheduler;
}

const FACTORIES: {
  [N in SchedulerName]: (config: Partial<SchedulerConfigs[N]>) => SchedulerClasses[N];
} = {
  euler: (config) => new EulerDiscreteScheduler(config),
  ddim: (config) => new DDIMScheduler(config),
  // DPM-Solver++(2M) is the multistep solver's default: order 2, algorithm "dpmsolver++".
  "dpm++2m": (config) => new DPMSolverMultistepScheduler(config),
  "flow-euler": (config) => new FlowMatchEulerDiscreteScheduler(config),
};

/** A scheduler by name; `config` overrides that scheduler's diffusers defaults. */
export function createScheduler<N extends SchedulerName>(
  name: N,
  config: Partial<SchedulerConfigs[N]> = {},
): SchedulerClasses[N] {
  const factory: (config: Partial<SchedulerConfigs[N]>) => SchedulerClasses[N] = FACTORIES[name];
  if (factory === undefined) throw new Error(`Unknown scheduler "${String(name)}"`);
  return factory(config);
}
