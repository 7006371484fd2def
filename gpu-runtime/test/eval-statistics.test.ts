/**
 * The evaluation's arithmetic on known values: the bootstrap over prompts (point estimates,
 * seeding, why clusters matter, strata, paired differences), the per-image category checks and
 * the PSNR of training/image/vae.py.
 */
import type { SceneGraph, SceneGraphObject } from "@limner/contracts";
import {
  type Cluster,
  checkCategory,
  type Expectation,
  estimate,
  pairedDifference,
} from "@limner/contracts/eval";
import { describe, expect, it } from "vitest";
import { psnr } from "../eval/psnr";

const repeat = (n: number, cluster: Cluster): Cluster[] => Array.from({ length: n }, () => cluster);
const halfWidth = (e: { low: number | null; high: number | null }) =>
  ((e.high ?? Number.NaN) - (e.low ?? Number.NaN)) / 2;

describe("estimate (bootstrap over prompts)", () => {
  it("pools a category's images and brackets the mean, the same for the same seed", () => {
    const strata = [
      [
        [1, 0],
        [1, 1],
        [0, 0],
      ],
    ];
    const e = estimate(strata);
    expect(e).toMatchObject({ mean: 0.5, prompts: 3, images: 6 });
    // Three prompts say little: the all-fail and all-pass resamples (1/27 each) reach the tails.
    expect(e).toMatchObject({ low: 0, high: 1 });
    expect(estimate(strata, { seed: 3, resamples: 500 })).toEqual(
      estimate(strata, { seed: 3, resamples: 500 }),
    );
  });

  it("counts prompts, not images, when a prompt's images agree", () => {
    // 200 images at 50 %: as 200 independent prompts, or as 100 prompts whose 2 images agree.
    const independent = estimate([[...repeat(100, [1]), ...repeat(100, [0])]]);
    const correlated = estimate([[...repeat(50, [1, 1]), ...repeat(50, [0, 0])]]);
    expect(independent.mean).toBe(0.5);
    expect(correlated.mean).toBe(0.5);
    // ≈ 1.96·√(0.25/200) = 6.9 points and 1.96·√(0.25/100) = 9.8 points.
    expect(halfWidth(independent)).toBeGreaterThan(0.06);
    expect(halfWidth(independent)).toBeLessThan(0.078);
    expect(halfWidth(correlated)).toBeGreaterThan(0.088);
    expect(halfWidth(correlated)).toBeLessThan(0.108);
  });

  it("gives a zero-width interval where every image agrees, and null where nothing was checked", () => {
    expect(estimate([repeat(20, [0, 0])])).toMatchObject({ mean: 0, low: 0, high: 0 });
    expect(estimate([repeat(4, [null, null])])).toEqual({
      mean: null,
      low: null,
      high: null,
      prompts: 0,
      images: 0,
    });
    expect(
      estimate([
        [
          [1, null],
          [0, 1],
        ],
      ]),
    ).toMatchObject({ mean: 2 / 3, prompts: 2, images: 3 });
    expect(estimate([[[1], [0]]], { resamples: 0 })).toMatchObject({ mean: 0.5, low: null });
  });

  it("weighs strata (categories) equally and drops empty ones", () => {
    const e = estimate([repeat(30, [1]), repeat(10, [0]), []]);
    expect(e).toMatchObject({ mean: 0.5, low: 0.5, high: 0.5, prompts: 40 });
  });
});

describe("pairedDifference", () => {
  it("resamples the same prompts for both variants", () => {
    const base = [[...repeat(40, [0, 0]), ...repeat(40, [1, 1])]];
    expect(pairedDifference(base, base)).toMatchObject({ mean: 0, low: 0, high: 0, prompts: 80 });
    // Upsampling fixes 8 of the 40 failing prompts: +10 points, an interval that excludes 0.
    const better = [[...repeat(32, [0, 0]), ...repeat(48, [1, 1])]];
    const gain = pairedDifference(better, base);
    expect(gain.mean).toBeCloseTo(0.1, 12);
    expect(gain.low).toBeGreaterThan(0);
    // Unpaired, the two 80-prompt intervals overlap: the pairing is what tells the gain apart.
    expect(estimate(better).low).toBeLessThan(estimate(base).high ?? 0);
    expect(() => pairedDifference(better, [repeat(3, [1])])).toThrow(RangeError);
  });
});

const object = (shape: string, colour: string, size = "medium"): SceneGraphObject => ({
  shape,
  colour,
  size,
  texture: "plain",
  position: { column: "left", row: "top" },
});
const scene = (background: string, ...objects: SceneGraphObject[]): SceneGraph => ({
  background,
  objects,
});
const two: Expectation = {
  objects: [
    { shape: "star", colour: "red", size: "large" },
    { shape: "circle", colour: "blue", size: "small" },
  ],
  background: "black",
  shapeCounts: {},
  relations: [],
};

describe("checkCategory", () => {
  it("passes an image only when every check of its category passes", () => {
    const half = scene("black", object("star", "red"), object("circle", "green"));
    const colour = checkCategory("colour", two, half);
    expect(colour.scores.colourBinding).toBe(0.5);
    expect(colour.outcome).toBe(0);
    expect(checkCategory("shape", two, half).outcome).toBe(1);
    expect(checkCategory("texture", two, half).outcome).toBeNull();
  });

  it("checks the background, sizes bound to shapes, and one object's colour on its shape", () => {
    const drawn = scene("black", object("star", "red", "large"), object("circle", "blue", "large"));
    expect(checkCategory("background", two, drawn).outcome).toBe(1);
    expect(checkCategory("background", two, { ...drawn, background: "navy" }).outcome).toBe(0);
    expect(checkCategory("size", two, drawn).outcome).toBe(0);
    const sized = scene("white", object("circle", "blue", "small"), object("star", "red", "large"));
    expect(checkCategory("size", two, sized).outcome).toBe(1);
    const redStar: Expectation = { ...two, objects: [{ shape: "star", colour: "red" }] };
    expect(checkCategory("single", redStar, drawn).outcome).toBe(1);
    expect(checkCategory("single", redStar, scene("black", object("square", "red"))).outcome).toBe(
      0,
    );
  });
});

describe("psnr", () => {
  it("is on the 8-bit scale after clamping, floored like training/image/vae.py", () => {
    const black = new Float32Array(4).fill(-1);
    expect(psnr(Float32Array.from([-1, -1, -1, 1]), black)).toBeCloseTo(10 * Math.log10(4), 10);
    expect(psnr(Float32Array.from([0, 0]), Float32Array.from([1, 1]))).toBeCloseTo(
      20 * Math.log10(255 / 127),
      10,
    );
    // Out-of-range values are clamped first; identical images hit the 1e-10 MSE floor.
    expect(psnr(Float32Array.from([3, -2]), Float32Array.from([1, -1]))).toBeCloseTo(
      10 * Math.log10(255 ** 2 / 1e-10),
      6,
    );
    expect(() => psnr(new Float32Array(2), new Float32Array(3))).toThrow(RangeError);
  });
});
