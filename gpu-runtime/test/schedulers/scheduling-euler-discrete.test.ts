import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../src/random/seeded-random";
import {
  EulerDiscreteScheduler,
  type EulerDiscreteSchedulerConfig,
} from "../../src/schedulers/scheduling-euler-discrete";
import { dummyModel, dummySampleDeter, meanAbs, sumAbs } from "./diffusers-fixtures";

/** diffusers tests/schedulers/test_scheduler_euler.py `get_scheduler_config`. */
const TEST_CONFIG = {
  numTrainTimesteps: 1100,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: "linear",
} as const;

/** diffusers' `test_full_loop_no_noise`: the scaled sample is fed back into `step`, as there. */
function fullLoop(config: Partial<EulerDiscreteSchedulerConfig> = {}): Float32Array {
  const scheduler = new EulerDiscreteScheduler({ ...TEST_CONFIG, ...config });
  scheduler.setTimesteps(10);
  let sample: Float32Array = dummySampleDeter().map((v) => v * scheduler.initNoiseSigma);
  for (const t of scheduler.timesteps) {
    sample = scheduler.scaleModelInput(sample, t);
    sample = scheduler.step(dummyModel(sample, t), t, sample).prevSample;
  }
  return sample;
}

describe("EulerDiscreteScheduler golden numbers (diffusers test_scheduler_euler.py)", () => {
  it("test_full_loop_no_noise: sum 10.0807, mean 0.0131", () => {
    const sample = fullLoop();
    expect(Math.abs(sumAbs(sample) - 10.0807)).toBeLessThan(1e-2);
    expect(Math.abs(meanAbs(sample) - 0.0131)).toBeLessThan(1e-3);
  });

  it("test_full_loop_with_v_prediction: sum 0.0002, mean 2.2676e-06", () => {
    const sample = fullLoop({ predictionType: "v_prediction" });
    expect(Math.abs(sumAbs(sample) - 0.0002)).toBeLessThan(1e-2);
    expect(Math.abs(meanAbs(sample) - 2.2676e-6)).toBeLessThan(1e-3);
  });

  it("test_full_loop_device_karras_sigmas: sum 124.52299, mean 0.162139", () => {
    const sample = fullLoop({ useKarrasSigmas: true });
    expect(Math.abs(sumAbs(sample) - 124.52299499511719)).toBeLessThan(1e-2);
    expect(Math.abs(meanAbs(sample) - 0.16213932633399963)).toBeLessThan(1e-3);
  });
});

describe("EulerDiscreteScheduler timesteps", () => {
  it("linspace (default) keeps fractional float32 timesteps from T−1 down to 0", () => {
    const scheduler = new EulerDiscreteScheduler(TEST_CONFIG);
    scheduler.setTimesteps(10);
    const expected = Array.from({ length: 10 }, (_, i) => Math.fround(1099 - (i * 1099) / 9));
    expect(scheduler.timesteps).toEqual(expected);
    expect(scheduler.timesteps[0]).toBe(1099);
    expect(scheduler.timesteps[9]).toBe(0);
    // One σ per step plus the final σ = 0.
    expect(scheduler.sigmas).toHaveLength(11);
    expect(scheduler.sigmas[10]).toBe(0);
    expect(scheduler.initNoiseSigma).toBe(scheduler.sigmas[0]);
  });

  it("leading with stepsOffset 1 gives 901 … 1 and an init sigma of √(σ_max² + 1)", () => {
    const scheduler = new EulerDiscreteScheduler({ timestepSpacing: "leading", stepsOffset: 1 });
    scheduler.setTimesteps(10);
    expect(scheduler.timesteps).toEqual([901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
    const max = scheduler.sigmas[0] ?? 0;
    expect(scheduler.initNoiseSigma).toBeCloseTo(Math.sqrt(max * max + 1), 6);
  });

  it("trailing gives 999 … 99", () => {
    const scheduler = new EulerDiscreteScheduler({ timestepSpacing: "trailing" });
    scheduler.setTimesteps(10);
    expect(scheduler.timesteps).toEqual([999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
  });
});

describe("EulerDiscreteScheduler behaviour", () => {
  it("scales the model input by 1/√(σ² + 1)", () => {
    const scheduler = new EulerDiscreteScheduler();
    scheduler.setTimesteps(5);
    const t = scheduler.timesteps[0] ?? 0;
    const sigma = scheduler.sigmas[0] ?? 0;
    const scaled = scheduler.scaleModelInput(Float32Array.of(1, -2), t);
    expect(scaled[0]).toBeCloseTo(1 / Math.sqrt(sigma * sigma + 1), 6);
    expect(scaled[1]).toBeCloseTo(-2 / Math.sqrt(sigma * sigma + 1), 6);
  });

  it("needs a SeededRandom for churn and is reproducible with one", () => {
    const run = (random?: SeededRandom) => {
      const scheduler = new EulerDiscreteScheduler({ sChurn: 1 });
      scheduler.setTimesteps(4);
      const t = scheduler.timesteps[0] ?? 0;
      const sample = Float32Array.of(0.5, -0.5, 1);
      return scheduler.step(Float32Array.of(0.1, 0.2, 0.3), t, sample, random).prevSample;
    };
    expect(() => run()).toThrow(/SeededRandom/);
    expect(run(new SeededRandom(3))).toEqual(run(new SeededRandom(3)));
    expect(run(new SeededRandom(3))).not.toEqual(run(new SeededRandom(4)));
  });

  it("rejects stepping before setTimesteps and unknown timesteps", () => {
    const scheduler = new EulerDiscreteScheduler();
    expect(() => scheduler.step(new Float32Array(1), 999, new Float32Array(1))).toThrow(
      /setTimesteps/,
    );
    scheduler.setTimesteps(10);
    expect(() => scheduler.step(new Float32Array(1), 12.5, new Float32Array(1))).toThrow(
      /not in the schedule/,
    );
  });

  it("freezes its config with diffusers' defaults", () => {
    const scheduler = new EulerDiscreteScheduler();
    expect(Object.isFrozen(scheduler.config)).toBe(true);
    expect(scheduler.config).toMatchObject({
      numTrainTimesteps: 1000,
      betaStart: 0.0001,
      betaEnd: 0.02,
      betaSchedule: "linear",
      predictionType: "epsilon",
      timestepSpacing: "linspace",
      stepsOffset: 0,
    });
    expect(scheduler.order).toBe(1);
  });
});
