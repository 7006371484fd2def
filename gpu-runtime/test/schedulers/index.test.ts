import { describe, expect, it } from "vitest";
import {
  createScheduler,
  DDIMScheduler,
  DPMSolverMultistepScheduler,
  EulerDiscreteScheduler,
  FlowMatchEulerDiscreteScheduler,
  fromDiffusersConfig,
  nativeSchedulerName,
} from "../../src/schedulers/index";

/** Stable Diffusion 1.5's `scheduler/scheduler_config.json`. */
const SD15_PNDM = {
  _class_name: "PNDMScheduler",
  _diffusers_version: "0.6.0",
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  beta_start: 0.00085,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
  clip_sample: false,
};

/** Stable Diffusion XL base 1.0's `scheduler/scheduler_config.json`. */
const SDXL_EULER = {
  _class_name: "EulerDiscreteScheduler",
  _diffusers_version: "0.19.0.dev0",
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  beta_start: 0.00085,
  clip_sample: false,
  interpolation_type: "linear",
  num_train_timesteps: 1000,
  prediction_type: "epsilon",
  sample_max_value: 1.0,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  timestep_spacing: "leading",
  trained_betas: null,
  use_karras_sigmas: false,
};

/** Stable Diffusion 3 medium's `scheduler/scheduler_config.json`. */
const SD3_FLOW = {
  _class_name: "FlowMatchEulerDiscreteScheduler",
  _diffusers_version: "0.29.0.dev0",
  num_train_timesteps: 1000,
  shift: 3.0,
};

/** Stable Diffusion 3.5's, which spells out every option as off. */
const SD35_FLOW = {
  _class_name: "FlowMatchEulerDiscreteScheduler",
  _diffusers_version: "0.32.0.dev0",
  base_image_seq_len: 256,
  base_shift: 0.5,
  invert_sigmas: false,
  max_image_seq_len: 4096,
  max_shift: 1.15,
  num_train_timesteps: 1000,
  shift: 3.0,
  shift_terminal: null,
  use_beta_sigmas: false,
  use_dynamic_shifting: false,
  use_exponential_sigmas: false,
  use_karras_sigmas: false,
};

describe("createScheduler", () => {
  it("builds each scheduler by name with config overrides on diffusers' defaults", () => {
    const euler = createScheduler("euler", { timestepSpacing: "trailing" });
    expect(euler).toBeInstanceOf(EulerDiscreteScheduler);
    expect(euler.config.timestepSpacing).toBe("trailing");

    const ddim = createScheduler("ddim", { stepsOffset: 1 });
    expect(ddim).toBeInstanceOf(DDIMScheduler);
    ddim.setTimesteps(10);
    expect(ddim.timesteps[0]).toBe(901);

    const dpm = createScheduler("dpm++2m");
    expect(dpm).toBeInstanceOf(DPMSolverMultistepScheduler);
    expect(dpm.config).toMatchObject({ solverOrder: 2, algorithmType: "dpmsolver++" });
    expect(Object.isFrozen(dpm.config)).toBe(true);
  });

  it("builds the flow-matching Euler as flow-euler", () => {
    const flow = createScheduler("flow-euler", { shift: 3 });
    expect(flow).toBeInstanceOf(FlowMatchEulerDiscreteScheduler);
    expect(flow.config.shift).toBe(3);
  });

  it("rejects an unknown name at run time too", () => {
    // @ts-expect-error not a scheduler name
    expect(() => createScheduler("heun")).toThrow(/heun/);
  });
});

describe("fromDiffusersConfig", () => {
  it("maps SD 1.5's PNDM config to DDIM with PNDM's no-clipping, no-alpha-to-one behaviour", () => {
    const scheduler = fromDiffusersConfig(SD15_PNDM);
    expect(scheduler).toBeInstanceOf(DDIMScheduler);
    expect(scheduler.config).toMatchObject({
      betaSchedule: "scaled_linear",
      betaStart: 0.00085,
      betaEnd: 0.012,
      stepsOffset: 1,
      timestepSpacing: "leading",
      clipSample: false,
      setAlphaToOne: false,
    });
    scheduler.setTimesteps(10);
    expect(scheduler.timesteps).toEqual([901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
  });

  it("reads SDXL's Euler config, ignoring fields Euler does not have", () => {
    const scheduler = fromDiffusersConfig(SDXL_EULER);
    expect(scheduler).toBeInstanceOf(EulerDiscreteScheduler);
    expect(scheduler.config).toMatchObject({
      timestepSpacing: "leading",
      stepsOffset: 1,
      betaSchedule: "scaled_linear",
    });
    expect(scheduler.config).not.toHaveProperty("clipSample");
  });

  it("maps LMSDiscreteScheduler to Euler and reads DPM-Solver configs", () => {
    expect(fromDiffusersConfig({ _class_name: "LMSDiscreteScheduler" })).toBeInstanceOf(
      EulerDiscreteScheduler,
    );
    const dpm = fromDiffusersConfig({
      _class_name: "DPMSolverMultistepScheduler",
      solver_order: 2,
      algorithm_type: "dpmsolver++",
      use_karras_sigmas: true,
      final_sigmas_type: "zero",
      trained_betas: null,
      some_future_field: [1, 2, 3],
    });
    expect(dpm).toBeInstanceOf(DPMSolverMultistepScheduler);
    expect(dpm.config).toMatchObject({ useKarrasSigmas: true, timestepSpacing: "linspace" });
  });

  it("throws naming an unknown scheduler class", () => {
    expect(() => fromDiffusersConfig({ _class_name: "HeunDiscreteScheduler" })).toThrow(
      /HeunDiscreteScheduler/,
    );
    expect(() => fromDiffusersConfig({})).toThrow(/Unsupported diffusers scheduler/);
    expect(() => fromDiffusersConfig(null)).toThrow(/Unsupported diffusers scheduler/);
  });

  it("rejects known fields set to values this runtime does not implement", () => {
    expect(() =>
      fromDiffusersConfig({
        _class_name: "DPMSolverMultistepScheduler",
        algorithm_type: "sde-dpmsolver++",
      }),
    ).toThrow(/algorithm_type/);
    expect(() =>
      fromDiffusersConfig({ _class_name: "EulerDiscreteScheduler", use_exponential_sigmas: true }),
    ).toThrow(/use_exponential_sigmas/);
    expect(() =>
      fromDiffusersConfig({ _class_name: "DDIMScheduler", num_train_timesteps: "1000" }),
    ).toThrow(/num_train_timesteps/);
  });
});

describe("fromDiffusersConfig with FlowMatchEulerDiscreteScheduler", () => {
  it("reads SD3's and SD3.5's configs; a request's 'euler' is the flow Euler there", () => {
    expect(nativeSchedulerName(SD3_FLOW)).toBe("euler");
    for (const json of [SD3_FLOW, SD35_FLOW]) {
      for (const algorithm of [undefined, "euler", "flow-euler"] as const) {
        const scheduler = fromDiffusersConfig(json, algorithm);
        expect(scheduler).toBeInstanceOf(FlowMatchEulerDiscreteScheduler);
        expect(scheduler.config).toMatchObject({ numTrainTimesteps: 1000, shift: 3 });
        scheduler.setTimesteps(4);
        expect(scheduler.timesteps[0]).toBe(1000);
        expect(scheduler.initNoiseSigma).toBe(1);
      }
    }
    // A bundle fills prediction_type in from its denoiser.
    expect(
      fromDiffusersConfig({ ...SD3_FLOW, prediction_type: "flow_prediction" }, "euler"),
    ).toBeInstanceOf(FlowMatchEulerDiscreteScheduler);
  });

  it("refuses beta-schedule samplers on a flow model and the flow Euler on a beta schedule", () => {
    expect(() => fromDiffusersConfig(SD3_FLOW, "ddim")).toThrow(/only with "euler", not "ddim"/);
    expect(() => fromDiffusersConfig(SD3_FLOW, "dpm++2m")).toThrow(/dpm\+\+2m/);
    expect(() => fromDiffusersConfig(SDXL_EULER, "flow-euler")).toThrow(
      /needs a FlowMatchEulerDiscreteScheduler config, not EulerDiscreteScheduler/,
    );
    expect(() =>
      fromDiffusersConfig({ ...SDXL_EULER, prediction_type: "flow_prediction" }),
    ).toThrow(/prediction_type/);
  });

  it("rejects the options it does not implement, naming each, rather than ignoring them", () => {
    // FLUX.1's config: resolution-dependent μ shifting.
    const flux = {
      ...SD3_FLOW,
      base_image_seq_len: 256,
      base_shift: 0.5,
      max_image_seq_len: 4096,
      max_shift: 1.15,
      use_dynamic_shifting: true,
    };
    expect(() => fromDiffusersConfig(flux)).toThrow(/use_dynamic_shifting[\s\S]*fixed shift/);
    for (const [field, value] of [
      ["invert_sigmas", true],
      ["shift_terminal", 0.1],
      ["use_karras_sigmas", true],
      ["use_exponential_sigmas", true],
      ["use_beta_sigmas", true],
      ["stochastic_sampling", true],
      ["time_shift_type", "cubic"],
      ["shift", -1],
    ] as const) {
      expect(() => fromDiffusersConfig({ ...SD3_FLOW, [field]: value }), field).toThrow(
        new RegExp(field),
      );
    }
    expect(() => fromDiffusersConfig({ ...SD3_FLOW, prediction_type: "epsilon" })).toThrow(
      /flow_prediction/,
    );
  });
});
