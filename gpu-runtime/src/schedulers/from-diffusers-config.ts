/**
 * Reads a diffusers `scheduler_config.json` (snake_case, as saved by `save_config`) into one of
 * our schedulers: the single place where diffusers' wire names become our camelCase config.
 *
 * Unknown fields are ignored (diffusers itself ignores them with a warning; `_diffusers_version`,
 * `skip_prk_steps`… are common). Known fields with values we do not implement are rejected, since
 * silently sampling differently from the model's published scheduler would be worse.
 *
 * @module
 */
import { z } from "zod";
import { createScheduler, type SchedulerName } from "./create-scheduler";
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

/** `_class_name`s we can build, and what each becomes. */
export const SUPPORTED_DIFFUSERS_SCHEDULERS = [
  "EulerDiscreteScheduler",
  "DDIMScheduler",
  "PNDMScheduler",
  "DPMSolverMultistepScheduler",
  "LMSDiscreteScheduler",
] as const;

const supportedClass = z.enum(SUPPORTED_DIFFUSERS_SCHEDULERS);

/** Only `false` (or absent) is accepted: the feature exists in diffusers but not here. */
const notImplemented = z.literal(false).optional();

const DiffusersSchedulerJson = z.object({
  _class_name: z.string(),
  num_train_timesteps: z.number().int().positive().optional(),
  beta_start: z.number().optional(),
  beta_end: z.number().optional(),
  beta_schedule: z.enum(["linear", "scaled_linear", "squaredcos_cap_v2"]).optional(),
  trained_betas: z.array(z.number()).nullable().optional(),
  prediction_type: z.enum(["epsilon", "v_prediction", "sample"]).optional(),
  timestep_spacing: z.enum(["leading", "trailing", "linspace"]).optional(),
  steps_offset: z.number().int().nonnegative().optional(),
  rescale_betas_zero_snr: z.boolean().optional(),
  clip_sample: z.boolean().optional(),
  clip_sample_range: z.number().positive().optional(),
  set_alpha_to_one: z.boolean().optional(),
  thresholding: z.boolean().optional(),
  dynamic_thresholding_ratio: z.number().optional(),
  sample_max_value: z.number().optional(),
  use_karras_sigmas: z.boolean().nullable().optional(),
  sigma_min: z.number().nullable().optional(),
  sigma_max: z.number().nullable().optional(),
  timestep_type: z.enum(["discrete", "continuous"]).optional(),
  final_sigmas_type: z.enum(["zero", "sigma_min"]).nullable().optional(),
  interpolation_type: z.literal("linear").optional(),
  solver_order: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
  algorithm_type: z.enum(["dpmsolver++", "dpmsolver"]).optional(),
  solver_type: z.enum(["midpoint", "heun"]).optional(),
  lower_order_final: z.boolean().optional(),
  euler_at_final: z.boolean().optional(),
  lambda_min_clipped: z.number().optional(),
  variance_type: z.null().optional(),
  use_exponential_sigmas: notImplemented,
  use_beta_sigmas: notImplemented,
  use_lu_lambdas: notImplemented,
  use_flow_sigmas: notImplemented,
});
type DiffusersSchedulerJson = z.infer<typeof DiffusersSchedulerJson>;

/** The algorithm each supported diffusers class runs as here. */
const NATIVE_ALGORITHM: Record<(typeof SUPPORTED_DIFFUSERS_SCHEDULERS)[number], SchedulerName> = {
  EulerDiscreteScheduler: "euler",
  LMSDiscreteScheduler: "euler",
  DDIMScheduler: "ddim",
  PNDMScheduler: "ddim",
  DPMSolverMultistepScheduler: "dpm++2m",
};

/** The algorithm a diffusers `scheduler_config.json` runs as (its model's default sampler). */
export function nativeSchedulerName(json: unknown): SchedulerName {
  return NATIVE_ALGORITHM[parseClassName(json)];
}

/**
 * Builds the scheduler a diffusers `scheduler_config.json` describes, or — with `algorithm` —
 * another sampler on the same noise schedule (betas, prediction type, spacing), which is what
 * a per-request `scheduler` choice means.
 */
export function fromDiffusersConfig(json: unknown, algorithm?: SchedulerName): Scheduler {
  const className = parseClassName(json);
  if (algorithm !== undefined && algorithm !== NATIVE_ALGORITHM[className]) {
    const j = parseJson(json, className);
    return createScheduler(algorithm, withTrainedBetas(defined(commonConfig(j)), j));
  }
  return fromNativeConfig(json);
}

function parseClassName(json: unknown): (typeof SUPPORTED_DIFFUSERS_SCHEDULERS)[number] {
  const className =
    typeof json === "object" && json !== null && "_class_name" in json
      ? json._class_name
      : undefined;
  const known = supportedClass.safeParse(className);
  if (!known.success) {
    throw new Error(
      `Unsupported diffusers scheduler "${String(className)}"; supported: ${SUPPORTED_DIFFUSERS_SCHEDULERS.join(", ")}`,
    );
  }
  return known.data;
}

function parseJson(json: unknown, className: string): DiffusersSchedulerJson {
  const parsed = DiffusersSchedulerJson.safeParse(json);
  if (!parsed.success) {
    throw new Error(`Invalid ${className} config: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

function fromNativeConfig(json: unknown): Scheduler {
  const className = parseClassName(json);
  const j = parseJson(json, className);
  switch (className) {
    case "EulerDiscreteScheduler":
    // LMS (Karras' linear multistep) shares Euler's σ schedule and config; its 4th-order history
    // is not implemented, so it runs as first-order Euler, the k-diffusion LMS at order 1.
    case "LMSDiscreteScheduler":
      return new EulerDiscreteScheduler(eulerConfig(j));
    case "DDIMScheduler":
      return new DDIMScheduler(ddimConfig(j));
    // PNDM's PLMS (Liu et al. 2022) is not implemented; DDIM on the same ᾱ schedule and timesteps
    // is its closest deterministic relative. PNDM never clips x₀ and defaults set_alpha_to_one to
    // false, so those PNDM defaults apply where the file is silent.
    case "PNDMScheduler":
      return new DDIMScheduler({
        ...ddimConfig(j),
        clipSample: false,
        setAlphaToOne: j.set_alpha_to_one ?? false,
      });
    case "DPMSolverMultistepScheduler":
      return new DPMSolverMultistepScheduler(dpmConfig(j));
  }
}

type Present<T> = { [K in keyof T]?: Exclude<T[K], null | undefined> };

/**
 * Copies only the fields present, so each scheduler's own defaults fill the rest (diffusers
 * writes `null` for "use the default"). The values were validated by the schema above.
 */
function defined<T extends object>(fields: T): Present<T> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined && v !== null),
  ) as Present<T>;
}

function commonConfig(j: DiffusersSchedulerJson) {
  return {
    numTrainTimesteps: j.num_train_timesteps,
    betaStart: j.beta_start,
    betaEnd: j.beta_end,
    betaSchedule: j.beta_schedule,
    predictionType: j.prediction_type,
    timestepSpacing: j.timestep_spacing,
    stepsOffset: j.steps_offset,
    rescaleBetasZeroSnr: j.rescale_betas_zero_snr,
  };
}

function withTrainedBetas<T>(config: Partial<T>, j: DiffusersSchedulerJson) {
  return j.trained_betas ? { ...config, trainedBetas: j.trained_betas } : config;
}

function eulerConfig(j: DiffusersSchedulerJson): Partial<EulerDiscreteSchedulerConfig> {
  return withTrainedBetas(
    defined({
      ...commonConfig(j),
      useKarrasSigmas: j.use_karras_sigmas,
      sigmaMin: j.sigma_min,
      sigmaMax: j.sigma_max,
      timestepType: j.timestep_type,
      finalSigmasType: j.final_sigmas_type,
    }),
    j,
  );
}

function ddimConfig(j: DiffusersSchedulerJson): Partial<DDIMSchedulerConfig> {
  return withTrainedBetas(
    defined({
      ...commonConfig(j),
      clipSample: j.clip_sample,
      clipSampleRange: j.clip_sample_range,
      setAlphaToOne: j.set_alpha_to_one,
      thresholding: j.thresholding,
      dynamicThresholdingRatio: j.dynamic_thresholding_ratio,
      sampleMaxValue: j.sample_max_value,
    }),
    j,
  );
}

function dpmConfig(j: DiffusersSchedulerJson): Partial<DPMSolverMultistepSchedulerConfig> {
  return withTrainedBetas(
    defined({
      ...commonConfig(j),
      solverOrder: j.solver_order,
      algorithmType: j.algorithm_type,
      solverType: j.solver_type,
      lowerOrderFinal: j.lower_order_final,
      eulerAtFinal: j.euler_at_final,
      useKarrasSigmas: j.use_karras_sigmas,
      lambdaMinClipped: j.lambda_min_clipped,
      finalSigmasType: j.final_sigmas_type,
      thresholding: j.thresholding,
      dynamicThresholdingRatio: j.dynamic_thresholding_ratio,
      sampleMaxValue: j.sample_max_value,
    }),
    j,
  );
}
