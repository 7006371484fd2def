/**
 * `addNoise` (the forward process by step index, for image-to-image and inpainting) against each
 * scheduler's own parameterisation: Euler's VE x₀ + σε, DDIM's √ᾱ·x₀ + √(1−ᾱ)·ε, DPM-Solver's
 * α_t·x₀ + σ_t·ε from σ, flow matching's σε + (1−σ)x₀ (= its `scaleNoise`); and the index after
 * the last step is the clean sample wherever the schedule ends at σ = 0.
 */
import { describe, expect, it } from "vitest";
import {
  DDIMScheduler,
  DPMSolverMultistepScheduler,
  EulerDiscreteScheduler,
  FlowMatchEulerDiscreteScheduler,
} from "../../src/schedulers";
import { alphasCumprod, makeBetas } from "../../src/schedulers/scheduler";

const SD = { betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012 } as const;
const x0 = Float32Array.from([0.5, -1, 2, 0]);
const noise = Float32Array.from([1, 0.25, -0.5, 2]);

describe("addNoise", () => {
  it("Euler: x₀ + σ·ε at every step, clean after the last", () => {
    const euler = new EulerDiscreteScheduler(SD);
    euler.setTimesteps(10);
    for (const index of [0, 4, 9]) {
      const sigma = euler.sigmas[index] ?? 0;
      const got = euler.addNoise(x0, noise, index);
      got.forEach((v, i) => {
        expect(v).toBeCloseTo((x0[i] ?? 0) + sigma * (noise[i] ?? 0), 5);
      });
    }
    expect([...euler.addNoise(x0, noise, 10)]).toEqual([...x0]);
  });

  it("DDIM: √ᾱ_t·x₀ + √(1−ᾱ_t)·ε at the step's timestep", () => {
    const ddim = new DDIMScheduler({ ...SD, setAlphaToOne: true });
    ddim.setTimesteps(10);
    const bar = alphasCumprod(makeBetas({ ...ddim.config }));
    const t = ddim.timesteps[3] ?? 0;
    const a = bar[t] ?? 0;
    ddim.addNoise(x0, noise, 3).forEach((v, i) => {
      expect(v).toBeCloseTo(Math.sqrt(a) * (x0[i] ?? 0) + Math.sqrt(1 - a) * (noise[i] ?? 0), 5);
    });
    expect([...ddim.addNoise(x0, noise, 10)]).toEqual([...x0]);
    expect(() => ddim.addNoise(x0, noise, 11)).toThrow(RangeError);
  });

  it("DPM-Solver: the VP sample for the step's σ", () => {
    const dpm = new DPMSolverMultistepScheduler(SD);
    dpm.setTimesteps(10);
    const sigma = dpm.sigmas[2] ?? 0;
    const alpha = 1 / Math.sqrt(sigma * sigma + 1);
    dpm.addNoise(x0, noise, 2).forEach((v, i) => {
      expect(v).toBeCloseTo(alpha * (x0[i] ?? 0) + sigma * alpha * (noise[i] ?? 0), 5);
    });
  });

  it("flow matching: equals scaleNoise at the step's timestep, clean after the last", () => {
    const flow = new FlowMatchEulerDiscreteScheduler({ shift: 3 });
    flow.setTimesteps(8);
    const t = flow.timesteps[5] ?? 0;
    expect([...flow.addNoise(x0, noise, 5)]).toEqual([...flow.scaleNoise(x0, t, noise)]);
    expect([...flow.addNoise(x0, noise, 8)]).toEqual([...x0]);
  });
});
