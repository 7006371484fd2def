import { describe, expect, it } from "vitest";
import {
  alphasCumprod,
  makeBetas,
  roundHalfEven,
  type SchedulerConfig,
} from "../../src/schedulers/scheduler";

const BASE: SchedulerConfig = {
  numTrainTimesteps: 1000,
  betaStart: 0.00085,
  betaEnd: 0.012,
  betaSchedule: "scaled_linear",
  trainedBetas: null,
  predictionType: "epsilon",
  timestepSpacing: "leading",
  stepsOffset: 0,
  rescaleBetasZeroSnr: false,
};

describe("makeBetas", () => {
  it("scaled_linear interpolates √β linearly (Stable Diffusion)", () => {
    const betas = makeBetas(BASE);
    expect(betas[0]).toBeCloseTo(0.00085, 12);
    expect(betas[999]).toBeCloseTo(0.012, 12);
    const mid = (Math.sqrt(0.00085) + (Math.sqrt(0.012) - Math.sqrt(0.00085)) * (500 / 999)) ** 2;
    expect(betas[500]).toBeCloseTo(mid, 12);
  });

  it("squaredcos_cap_v2 caps β at 0.999 at the end of the schedule", () => {
    const betas = makeBetas({ ...BASE, betaSchedule: "squaredcos_cap_v2" });
    expect(Math.max(...betas)).toBeLessThanOrEqual(0.999);
    expect(betas[999]).toBe(0.999);
  });

  it("zero-terminal-SNR rescaling leaves ᾱ_T = 0 and keeps ᾱ_0", () => {
    const plain = alphasCumprod(makeBetas(BASE));
    const rescaled = alphasCumprod(makeBetas({ ...BASE, rescaleBetasZeroSnr: true }));
    expect(rescaled[999]).toBe(0);
    expect(rescaled[0]).toBeCloseTo(plain[0] ?? Number.NaN, 12);
  });

  it("uses trained betas verbatim and checks their count", () => {
    const trainedBetas = [0.1, 0.2, 0.3];
    const betas = makeBetas({ ...BASE, numTrainTimesteps: 3, trainedBetas });
    expect(Array.from(betas)).toEqual(trainedBetas);
    expect(() => makeBetas({ ...BASE, trainedBetas })).toThrow(RangeError);
  });
});

describe("roundHalfEven", () => {
  it("rounds halves to even like numpy", () => {
    expect([0.5, 1.5, 2.5, 499.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 500, 2, 3]);
  });
});
