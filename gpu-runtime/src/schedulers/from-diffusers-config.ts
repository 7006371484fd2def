/**
 * Reads a diffusers `scheduler_config.json` (snake_case, as saved by `save_config`) into one of
 * our schedulers: the single place where diffusers' wire names become our camelCase config.
 *
 * Unknown fields are ignored (diffusers itself ignores them with a warning; `_diffusers_version`,
 * `skip_prk_steps`… are common). Known fields with values we do not implement are rejected, since
 * silently sampling differently from the model's published scheduler would be worse.
 *
 * A `FlowMatchEulerDiscreteScheduler` config (SD3; Flux's needs dynamic shifting, refused)
 * describes a rectified-flow model, which has no betas: it samples only with Euler on the flow (a
 * request's "euler" is {@link FlowMatchEulerDiscreteScheduler} there), and the beta-schedule
 * samplers refuse it.
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
import {
  FlowMatchEulerDiscreteScheduler,
  type FlowMatchEulerDiscreteSchedulerConfig,
} from "./scheduling-flow-match-euler-discrete";

/** `_class_name`s we can build, and what each becomes. */
export const SUPPORTED_DIFFUSERS_SCHEDULERS = [
  "EulerDiscreteScheduler",
  "DDIMScheduler",
  "PNDMScheduler",
  "DPMSolverMultistepScheduler",
  "LMSDiscreteScheduler",
  "FlowMatchEulerDiscreteScheduler",
] as const;
type SupportedClass = (typeof SUPPORTED_DIFFUSERS_SCHEDULERS)[number];
/** The names a request may give (contracts' `SchedulerName`); "flow-euler" is reached as "euler". */
type RequestSchedulerName = Exclude<SchedulerName, "flow-euler">;

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

/** A diffusers option this runtime does not implement: only its "off" value (false / null) parses. */
const notImplementedFlow = (what: string) =>
  z
    .literal(false, { error: `${what} is not implemented for FlowMatchEulerDiscreteScheduler` })
    .nullable()
    .optional();

/** `FlowMatchEulerDiscreteScheduler.__init__`'s fields (diffusers' current signature). */
const FlowMatchSchedulerJson = z.object({
  _class_name: z.literal("FlowMatchEulerDiscreteScheduler"),
  num_train_timesteps: z.number().int().positive().optional(),
  shift: z.number().positive().optional(),
  use_dynamic_shifting: z
    .literal(false, {
      error:
        "use_dynamic_shifting (Flux's per-resolution μ) is not implemented; give a fixed shift instead",
    })
    .optional(),
  base_shift: z.number().nullable().optional(),
  max_shift: z.number().nullable().optional(),
  base_image_seq_len: z.number().int().positive().nullable().optional(),
  max_image_seq_len: z.number().int().positive().nullable().optional(),
  time_shift_type: z.enum(["exponential", "linear"]).optional(),
  invert_sigmas: notImplementedFlow("invert_sigmas (Mochi)"),
  // diffusers treats any falsy shift_terminal as off.
  shift_terminal: z
    .union([z.null(), z.literal(0)], {
      error: "shift_terminal is not implemented for FlowMatchEulerDiscreteScheduler",
    })
    .optional(),
  use_karras_sigmas: notImplementedFlow("use_karras_sigmas"),
  use_exponential_sigmas: notImplementedFlow("use_exponential_sigmas"),
  use_beta_sigmas: notImplementedFlow("use_beta_sigmas"),
  stochastic_sampling: notImplementedFlow("stochastic_sampling"),
  // Not a diffusers field of this class: a bundle fills it in from its denoiser, which must
  // predict the flow's velocity.
  prediction_type: z
    .literal("flow_prediction", {
      error: "a FlowMatchEulerDiscreteScheduler model predicts velocity: use 'flow_prediction'",
    })
    .optional(),
});

/** The algorithm each supported diffusers class runs as here. */
const NATIVE_ALGORITHM: Record<SupportedClass, RequestSchedulerName> = {
  EulerDiscreteScheduler: "euler",
  LMSDiscreteScheduler: "euler",
  DDIMScheduler: "ddim",
  PNDMScheduler: "ddim",
  DPMSolverMultistepScheduler: "dpm++2m",
  FlowMatchEulerDiscreteScheduler: "euler",
};

/** The algorithm a diffusers `scheduler_config.json` runs as (its model's default sampler). */
export function nativeSchedulerName(json: unknown): RequestSchedulerName {
  return NATIVE_ALGORITHM[parseClassName(json)];
}

/**
 * Builds the scheduler a diffusers `scheduler_config.json` describes, or — with `algorithm` —
 * another sampler on the same noise schedule (betas, prediction type, spacing), which is what
 * a per-request `scheduler` choice means.
 */
export function fromDiffusersConfig(json: unknown, algorithm?: SchedulerName): Scheduler {
  const className = parseClassName(json);
  if (className === "FlowMatchEulerDiscreteScheduler" || algorithm === "flow-euler") {
    return flowMatchScheduler(json, className, algorithm);
  }
  if (algorithm !== undefined && algorithm !== NATIVE_ALGORITHM[className]) {
    const j = parseJson(json, className);
    return createScheduler(algorithm, withTrainedBetas(defined(commonConfig(j)), j));
  }
  return fromNativeConfig(json);
}

function parseClassName(json: unknown): SupportedClass {
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

/**
 * Flow matching pairs only with itself: "euler" (or "flow-euler") on a flow config, and no
 * beta-schedule sampler, whose ε/v algebra does not describe a velocity model.
 */
function flowMatchScheduler(
  json: unknown,
  className: SupportedClass,
  algorithm: SchedulerName | undefined,
): Scheduler {
  if (className !== "FlowMatchEulerDiscreteScheduler") {
    throw new Error(
      `"flow-euler" samples rectified-flow models and needs a FlowMatchEulerDiscreteScheduler config, not ${className}`,
    );
  }
  if (algorithm !== undefined && algorithm !== "euler" && algorithm !== "flow-euler") {
    throw new Error(
      `A FlowMatchEulerDiscreteScheduler (rectified-flow) model samples only with "euler", not "${algorithm}"`,
    );
  }
  const parsed = FlowMatchSchedulerJson.safeParse(json);
  if (!parsed.success) {
    throw new Error(`Invalid ${className} config: ${z.prettifyError(parsed.error)}`);
  }
  return new FlowMatchEulerDiscreteScheduler(flowMatchConfig(parsed.data));
}

function flowMatchConfig(
  j: z.infer<typeof FlowMatchSchedulerJson>,
): Partial<FlowMatchEulerDiscreteSchedulerConfig> {
  return defined({
    numTrainTimesteps: j.num_train_timesteps,
    shift: j.shift,
    baseShift: j.base_shift,
    maxShift: j.max_shift,
    baseImageSeqLen: j.base_image_seq_len,
    maxImageSeqLen: j.max_image_seq_len,
    timeShiftType: j.time_shift_type,
  });
}

function fromNativeConfig(json: unknown): Scheduler {
  const className = parseClassName(json);
  if (className === "FlowMatchEulerDiscreteScheduler") {
    return flowMatchScheduler(json, className, undefined);
  }
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
