import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../src/random/seeded-random";
import { DDIMScheduler, type DDIMSchedulerConfig } from "../../src/schedulers/scheduling-ddim";
import { dummyModel, dummySampleDeter, meanAbs, sumAbs } from "./diffusers-fixtures";

/** diffusers tests/schedulers/test_scheduler_ddim.py `get_scheduler_config`. */
const TEST_CONFIG = {
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: "linear",
  clipSample: true,
} as const;

/** diffusers' `full_loop`: 10 steps, η = 0, no input scaling. */
function fullLoop(config: Partial<DDIMSchedulerConfig> = {}): Float32Array {
  const scheduler = new DDIMScheduler({ ...TEST_CONFIG, ...config });
  scheduler.setTimesteps(10);
  let sample = dummySampleDeter();
  for (const t of scheduler.timesteps) {
    sample = scheduler.step(dummyModel(sample, t), t, sample).prevSample;
  }
  return sample;
}

describe("DDIMScheduler golden numbers (diffusers test_scheduler_ddim.py)", () => {
  it.each([
    { name: "test_full_loop_no_noise", config: {}, sum: 172.0067, mean: 0.223967 },
    {
      name: "test_full_loop_with_v_prediction",
      config: { predictionType: "v_prediction" },
      sum: 52.5302,
      mean: 0.0684,
    },
    {
      name: "test_full_loop_with_set_alpha_to_one",
      config: { setAlphaToOne: true, betaStart: 0.01 },
      sum: 149.8295,
      mean: 0.1951,
    },
    {
      name: "test_full_loop_with_no_set_alpha_to_one",
      config: { setAlphaToOne: false, betaStart: 0.01 },
      sum: 149.0784,
      mean: 0.1941,
    },
  ] as const)("$name: sum $sum, mean $mean", ({ config, sum, mean }) => {
    const sample = fullLoop(config);
    expect(Math.abs(sumAbs(sample) - sum)).toBeLessThan(1e-2);
    expect(Math.abs(meanAbs(sample) - mean)).toBeLessThan(1e-3);
  });

  it("test_variance: σ_t²/η² of eq. 16 at published timestep pairs", () => {
    const scheduler = new DDIMScheduler(TEST_CONFIG);
    expect(Math.abs(scheduler.variance(0, 0) - 0)).toBeLessThan(1e-5);
    expect(Math.abs(scheduler.variance(420, 400) - 0.14771)).toBeLessThan(1e-5);
    expect(Math.abs(scheduler.variance(980, 960) - 0.3246)).toBeLessThan(1e-5);
    expect(Math.abs(scheduler.variance(487, 486) - 0.00979)).toBeLessThan(1e-5);
    expect(Math.abs(scheduler.variance(999, 998) - 0.02)).toBeLessThan(1e-5);
  });
});

describe("DDIMScheduler timesteps", () => {
  it("test_steps_offset: leading, 5 steps, offset 1 → [801, 601, 401, 201, 1]", () => {
    const scheduler = new DDIMScheduler({ ...TEST_CONFIG, stepsOffset: 1 });
    scheduler.setTimesteps(5);
    expect(scheduler.timesteps).toEqual([801, 601, 401, 201, 1]);
  });

  // Lin et al. 2023 ("Common Diffusion Noise Schedules and Sample Steps are Flawed"), Table 2.
  it.each([
    { spacing: "leading", offset: 1, expected: [901, 801, 701, 601, 501, 401, 301, 201, 101, 1] },
    { spacing: "leading", offset: 0, expected: [900, 800, 700, 600, 500, 400, 300, 200, 100, 0] },
    { spacing: "trailing", offset: 0, expected: [999, 899, 799, 699, 599, 499, 399, 299, 199, 99] },
    { spacing: "linspace", offset: 0, expected: [999, 888, 777, 666, 555, 444, 333, 222, 111, 0] },
  ] as const)("$spacing with offset $offset over 10 steps", ({ spacing, offset, expected }) => {
    const scheduler = new DDIMScheduler({ timestepSpacing: spacing, stepsOffset: offset });
    scheduler.setTimesteps(10);
    expect(scheduler.timesteps).toEqual([...expected]);
  });

  it("rejects zero or too many inference steps", () => {
    const scheduler = new DDIMScheduler();
    expect(() => scheduler.setTimesteps(0)).toThrow(RangeError);
    expect(() => scheduler.setTimesteps(1001)).toThrow(RangeError);
  });
});

describe("DDIMScheduler behaviour", () => {
  it("leaves the model input unscaled and starts from unit-variance noise", () => {
    const scheduler = new DDIMScheduler();
    const sample = Float32Array.of(1, 2, 3);
    expect(scheduler.scaleModelInput(sample, 1)).toBe(sample);
    expect(scheduler.initNoiseSigma).toBe(1);
  });

  it("with η > 0 needs a SeededRandom and is reproducible with one", () => {
    const run = (random?: SeededRandom) => {
      const scheduler = new DDIMScheduler({ eta: 1 });
      scheduler.setTimesteps(10);
      const sample = Float32Array.of(0.3, -0.2, 0.1);
      return scheduler.step(Float32Array.of(0.1, 0.1, 0.1), 500, sample, random).prevSample;
    };
    expect(() => run()).toThrow(/SeededRandom/);
    expect(run(new SeededRandom(11))).toEqual(run(new SeededRandom(11)));
    expect(run(new SeededRandom(11))).not.toEqual(run(new SeededRandom(12)));
  });

  it("builds the cosine schedule without blowing up at the last timestep", () => {
    const scheduler = new DDIMScheduler({ betaSchedule: "squaredcos_cap_v2" });
    scheduler.setTimesteps(10);
    let sample = dummySampleDeter();
    for (const t of scheduler.timesteps) {
      sample = scheduler.step(dummyModel(sample, t), t, sample).prevSample;
    }
    expect(sample.every(Number.isFinite)).toBe(true);
  });
});
