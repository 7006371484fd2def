import { describe, expect, it } from "vitest";
import {
  createScheduler,
  DDIMScheduler,
  DPMSolverMultistepScheduler,
  EulerDiscreteScheduler,
  fromDiffusersConfig,
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
