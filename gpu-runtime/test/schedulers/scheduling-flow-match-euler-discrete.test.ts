import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../src/random/seeded-random";
import { FlowMatchEulerDiscreteScheduler } from "../../src/schedulers/scheduling-flow-match-euler-discrete";
import {
  DUMMY_ELEMENTS,
  dummyModel,
  dummySampleDeter,
  meanAbs,
  sumAbs,
} from "./diffusers-fixtures";

/*
 * diffusers publishes no test numbers for FlowMatchEulerDiscreteScheduler (there is no
 * tests/schedulers/test_scheduler_flow_match_euler_discrete.py). The golden values below come
 * from running diffusers' own scheduling_flow_match_euler_discrete.py (main at 58eb52c, under
 * torch 1.13 CPU, only its config/logging imports stubbed) with the SchedulerCommonTest fixtures.
 *
 * By hand, shift 3, T 1000, 4 steps: training σ_min = 3·0.001 / (1 + 2·0.001) = 0.0029940;
 * timesteps linspace(1000, 2.99401, 4) = 1000, 667.665, 335.329, 2.99401; back to σ and shifted
 * again, 3σ / (1 + 2σ) = 1, 0.857692, 0.602151, 0.00892857; then the terminal σ = 0, and the
 * model's t = 1000σ.
 */
const GOLDEN = {
  shift1: {
    steps4: {
      timesteps: [1000, 667, 334, 1],
      sigmas: [1, 0.6669999957084656, 0.33399999141693115, 0.0010000000474974513, 0],
    },
    steps20: {
      timesteps: [
        1000, 947.4210815429688, 894.8421020507812, 842.26318359375, 789.6842651367188,
        737.105224609375, 684.5263061523438, 631.9473876953125, 579.368408203125, 526.7894897460938,
        474.2105407714844, 421.6315612792969, 369.0526123046875, 316.47369384765625,
        263.8947448730469, 211.3157958984375, 158.73684692382812, 106.15789031982422,
        53.57894515991211, 1,
      ],
    },
  },
  shift3: {
    steps4: {
      timesteps: [1000, 857.6923217773438, 602.1505737304688, 8.928571701049805],
      sigmas: [1, 0.857692301273346, 0.602150559425354, 0.008928571827709675, 0],
    },
    steps20: {
      timesteps: [
        1000, 981.8745727539062, 962.3856811523438, 941.3732299804688, 918.6515502929688,
        894.0030517578125, 867.1719360351562, 837.854736328125, 805.6892700195312,
        770.2391967773438, 730.9743041992188, 687.243896484375, 638.2401123046875, 582.947998046875,
        520.0741577148438, 447.94427490234375, 364.3522033691406, 266.3297119140625,
        149.7872314453125, 8.928571701049805,
      ],
    },
  },
} as const;

/** diffusers' `test_full_loop_no_noise` shape: the dummy model's output fed to `step` each time. */
function fullLoop(shift: number, steps: number): Float32Array {
  const scheduler = new FlowMatchEulerDiscreteScheduler({ shift });
  scheduler.setTimesteps(steps);
  let sample: Float32Array = dummySampleDeter().map((v) => v * scheduler.initNoiseSigma);
  for (const t of scheduler.timesteps) {
    sample = scheduler.scaleModelInput(sample, t);
    sample = scheduler.step(dummyModel(sample, t), t, sample).prevSample;
  }
  return sample;
}

const scheduled = (shift: number, steps: number) => {
  const scheduler = new FlowMatchEulerDiscreteScheduler({ shift });
  scheduler.setTimesteps(steps);
  return scheduler;
};

describe("FlowMatchEulerDiscreteScheduler schedule (diffusers' values)", () => {
  it.each([
    [1, GOLDEN.shift1.steps4],
    [3, GOLDEN.shift3.steps4],
  ])("shift %i, 4 steps: timesteps and σ equal diffusers' float32 tensors", (shift, golden) => {
    const scheduler = scheduled(shift, 4);
    expect(scheduler.timesteps).toEqual(golden.timesteps);
    expect(scheduler.sigmas).toEqual(golden.sigmas);
  });

  it.each([
    [1, GOLDEN.shift1.steps20.timesteps],
    [3, GOLDEN.shift3.steps20.timesteps],
  ])("shift %i, 20 steps: timesteps equal diffusers'", (shift, timesteps) => {
    expect(scheduled(shift, 20).timesteps).toEqual(timesteps);
  });

  it("matches the hand-derived shift-3 schedule and keeps t = σ·T", () => {
    const scheduler = scheduled(3, 4);
    const sigmaMin = 0.003 / 1.002;
    const hand = [0, 1, 2, 3]
      .map((i) => (1000 + (i * (1000 * sigmaMin - 1000)) / 3) / 1000)
      .map((sigma) => (3 * sigma) / (1 + 2 * sigma));
    for (const [i, sigma] of scheduler.sigmas.slice(0, 4).entries()) {
      expect(sigma).toBeCloseTo(hand[i] ?? 0, 6);
    }
    for (const shift of [1, 3]) {
      for (const steps of [4, 20]) {
        const s = scheduled(shift, steps);
        expect(s.timesteps).toHaveLength(steps);
        expect(s.sigmas).toHaveLength(steps + 1);
        expect(s.sigmas[0]).toBe(1);
        expect(s.sigmas[steps]).toBe(0);
        expect(s.timesteps).toEqual(
          s.sigmas.slice(0, -1).map((sigma) => Math.fround(sigma * 1000)),
        );
        // Strictly decreasing: every step moves towards the data.
        for (let i = 1; i <= steps; i++) expect(s.sigmas[i]).toBeLessThan(s.sigmas[i - 1] ?? 0);
      }
    }
  });

  it("a larger shift spends more of the steps at high noise", () => {
    const plain = scheduled(1, 20).sigmas;
    const shifted = scheduled(3, 20).sigmas;
    for (let i = 1; i < 20; i++) expect(shifted[i]).toBeGreaterThan(plain[i] ?? 1);
  });
});

describe("FlowMatchEulerDiscreteScheduler full loop (diffusers' dummy model)", () => {
  it("shift 1, 10 steps: sum 133.36203, mean 0.173648", () => {
    const sample = fullLoop(1, 10);
    expect(Math.abs(sumAbs(sample) - 133.36203002929688)).toBeLessThan(1e-3);
    expect(Math.abs(meanAbs(sample) - 0.17364847660064697)).toBeLessThan(1e-6);
  });

  it("shift 3, 10 steps: sum 129.34946, mean 0.168424", () => {
    const sample = fullLoop(3, 10);
    expect(Math.abs(sumAbs(sample) - 129.34945678710938)).toBeLessThan(1e-3);
    expect(Math.abs(meanAbs(sample) - 0.16842377185821533)).toBeLessThan(1e-6);
  });
});

describe("FlowMatchEulerDiscreteScheduler on an exact straight-line flow", () => {
  const x0 = dummySampleDeter().map((v) => 2 * v - 0.5);
  const noise = new SeededRandom(11).randn(DUMMY_ELEMENTS);
  const velocity = noise.map((e, i) => e - (x0[i] ?? 0));

  const maxDiff = (a: Float32Array, b: Float32Array) =>
    a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? 0))), 0);

  it.each([1, 3])(
    "recovers x₀ from pure noise with shift %i, estimating x₀ at every step",
    (shift) => {
      const scheduler = scheduled(shift, 8);
      expect(scheduler.initNoiseSigma).toBe(1);
      let sample: Float32Array = noise.map((e) => e * scheduler.initNoiseSigma);
      for (const t of scheduler.timesteps) {
        expect(scheduler.scaleModelInput(sample, t)).toBe(sample);
        const out = scheduler.step(velocity, t, sample);
        expect(maxDiff(out.predOriginalSample, x0)).toBeLessThan(1e-5);
        sample = out.prevSample;
      }
      expect(maxDiff(sample, x0)).toBeLessThan(1e-5);
    },
  );

  it("starts image-to-image mid-schedule from scaleNoise's (1 − σ)·x₀ + σ·ε", () => {
    const scheduler = scheduled(3, 10);
    const start = 4;
    const t0 = scheduler.timesteps[start] ?? 0;
    const sigma = scheduler.sigmas[start] ?? 0;
    let sample = scheduler.scaleNoise(x0, t0, noise);
    expect(sample[7]).toBeCloseTo((1 - sigma) * (x0[7] ?? 0) + sigma * (noise[7] ?? 0), 6);
    for (const t of scheduler.timesteps.slice(start)) {
      sample = scheduler.step(velocity, t, sample).prevSample;
    }
    expect(maxDiff(sample, x0)).toBeLessThan(1e-5);
  });
});

describe("FlowMatchEulerDiscreteScheduler config and errors", () => {
  it("freezes diffusers' defaults", () => {
    const scheduler = new FlowMatchEulerDiscreteScheduler();
    expect(Object.isFrozen(scheduler.config)).toBe(true);
    expect(scheduler.config).toEqual({
      numTrainTimesteps: 1000,
      shift: 1,
      useDynamicShifting: false,
      baseShift: 0.5,
      maxShift: 1.15,
      baseImageSeqLen: 256,
      maxImageSeqLen: 4096,
      timeShiftType: "exponential",
    });
    expect(scheduler.order).toBe(1);
  });

  it("refuses dynamic shifting, bad shifts and step counts", () => {
    // A caller without the types (the literal `false` keeps typed ones out).
    const untyped = JSON.parse('{ "useDynamicShifting": true }');
    expect(() => new FlowMatchEulerDiscreteScheduler(untyped)).toThrow(/useDynamicShifting/);
    expect(() => new FlowMatchEulerDiscreteScheduler({ shift: 0 })).toThrow(/shift/);
    expect(() => new FlowMatchEulerDiscreteScheduler({ numTrainTimesteps: 0 })).toThrow(RangeError);
    expect(() => scheduled(1, 0)).toThrow(/numInferenceSteps/);
  });

  it("rejects stepping before setTimesteps and timesteps not in the schedule", () => {
    const scheduler = new FlowMatchEulerDiscreteScheduler();
    expect(() => scheduler.step(new Float32Array(1), 1000, new Float32Array(1))).toThrow(
      /setTimesteps/,
    );
    scheduler.setTimesteps(4);
    expect(() => scheduler.step(new Float32Array(1), 999, new Float32Array(1))).toThrow(
      /not in the schedule/,
    );
  });
});
