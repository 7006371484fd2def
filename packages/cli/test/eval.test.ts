import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cardTable, cell } from "../src/eval/card-table";
import { sizeForBucket } from "../src/eval/run-suite";
import { DEFAULT_SUITE, readSuiteFile } from "../src/suite-file";

describe("the suite limner eval ships", () => {
  it("is the model card's held-out suite: 1100 prompts, 2 images each, categories interleaved", async () => {
    expect(existsSync(DEFAULT_SUITE)).toBe(true);
    const suite = await readSuiteFile(DEFAULT_SUITE);
    expect(suite.items).toHaveLength(1100);
    expect(suite.imagesPerPrompt).toBe(2);
    const counts = Object.fromEntries(
      ["colour", "shape", "texture", "single", "counting", "spatial", "background", "size"].map(
        (c) => [c, suite.items.filter((i) => i.category === c).length],
      ),
    );
    expect(counts).toEqual({
      colour: 200,
      shape: 200,
      texture: 200,
      single: 100,
      counting: 100,
      spatial: 100,
      background: 100,
      size: 100,
    });
    // Interleaved: the first 8 prompts are one of each category.
    expect(new Set(suite.items.slice(0, 8).map((i) => i.category)).size).toBe(8);
  });

  it("maps each bucket to the API size rendered at it", () => {
    expect(sizeForBucket("square")).toBe("1024x1024");
    expect(sizeForBucket("landscape")).toBe("1792x1024");
    expect(sizeForBucket("portrait")).toBe("1024x1792");
    expect(() => sizeForBucket("panorama")).toThrow(/panorama/);
  });
});

describe("the card's table", () => {
  const estimate = (mean: number | null, low: number | null, high: number | null) => ({
    mean,
    low,
    high,
    prompts: 10,
    images: 20,
  });

  it("formats cells as the card does", () => {
    expect(cell(estimate(0.048, 0.025, 0.072))).toBe("4.8 (2.5–7.2)");
    expect(cell(estimate(0.05, -0.01, 0.1), true)).toBe("+5.0 (-1.0 to +10.0)");
    expect(cell(estimate(0.5, null, null))).toBe("50.0");
    expect(cell(estimate(null, null, null))).toBe("n/a");
  });

  it("has the card's columns, one row per variant run", () => {
    const e = estimate(0.1, 0.05, 0.15);
    const categories = {
      colour: e,
      shape: e,
      texture: e,
      single: e,
      counting: e,
      spatial: e,
      background: e,
      size: e,
    };
    const lines = cardTable({
      "short+upsample": {
        prompts: 10,
        images: 20,
        msPerImage: 930.4,
        msPerUpsample: null,
        msPerPrompt: 2000,
        categories,
        overall: e,
        similarity: estimate(0.225, 0.2, 0.25),
        objectsRead: estimate(1.97, 1.9, 2),
      },
    });
    expect(lines[0]).toBe(
      "| prompts | colour | shape | texture | one object | counting | spatial | background | size | mean | similarity | objects read (of 2) | ms / image |",
    );
    expect(lines[2]).toBe(
      `| short+upsample | ${Array(9).fill("10.0 (5.0–15.0)").join(" | ")} | 22.5 | 1.97 | 930 |`,
    );
    expect(lines).toHaveLength(3);
  });
});
