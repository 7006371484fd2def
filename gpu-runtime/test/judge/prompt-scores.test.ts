/**
 * The prompt parser and the T2I-CompBench-style scores on hand-written prompts (the world's
 * own captions are covered in judge-world.test.ts), and the judge's constants against the
 * committed limner-mini manifest's `judge` component, so the two cannot drift apart.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { SceneGraph } from "@limner/contracts";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SHAPE_PROTOTYPES } from "../../src/judge/classify";
import { compBenchScores } from "../../src/judge/compbench-scores";
import { parsePrompt } from "../../src/judge/prompt-parser";
import { BACKGROUNDS, COLOURS, DARK_INK, LIGHT_INK } from "../../src/judge/vocabulary";

describe("parsePrompt", () => {
  it("reads free-form prompts in the captions' style", () => {
    expect(parsePrompt("A small striped red star and a large, blue circle.").objects).toEqual([
      { shape: "star", colour: "red", size: "small", texture: "striped" },
      { shape: "circle", colour: "blue", size: "large" },
    ]);
    expect(parsePrompt("Three shapes on a navy background. There are two stars.")).toMatchObject({
      background: "navy",
      count: 3,
      shapeCounts: { star: 2 },
    });
    expect(parsePrompt("A dotted heart in the top right corner.").objects).toEqual([
      { shape: "heart", texture: "dotted", row: 0, column: 2 },
    ]);
    expect(parsePrompt("A cross on the left with no pattern").objects).toEqual([
      { shape: "cross", texture: "plain", row: 1, column: 0 },
    ]);
  });

  it("reads relations, and the objects of a relation-only prompt", () => {
    const parsed = parsePrompt("A red star above a blue circle");
    expect(parsed.relations).toEqual([
      {
        a: { colour: "red", shape: "star" },
        relation: "above",
        b: { colour: "blue", shape: "circle" },
      },
    ]);
    expect(parsed.objects).toEqual([
      { shape: "star", colour: "red" },
      { shape: "circle", colour: "blue" },
    ]);
    expect(parsePrompt("the square is to the right of the green diamond").relations).toEqual([
      { a: { shape: "square" }, relation: "right", b: { colour: "green", shape: "diamond" } },
    ]);
  });

  it("finds nothing in a prompt outside the world", () => {
    expect(parsePrompt("a sunset over the sea, oil painting")).toEqual({
      objects: [],
      shapeCounts: {},
      relations: [],
    });
  });
});

const object = (
  shape: string,
  colour: string,
  texture: string,
  column: "left" | "centre" | "right",
  row: "top" | "middle" | "bottom",
) => ({ shape, colour, size: "medium", texture, position: { column, row } });

// A red striped star top left, a blue plain circle bottom right.
const scene: SceneGraph = {
  background: "white",
  objects: [
    object("star", "red", "striped", "left", "top"),
    object("circle", "blue", "plain", "right", "bottom"),
  ],
};

describe("compBenchScores", () => {
  it("is null for everything a prompt does not state", () => {
    expect(compBenchScores("a beautiful picture", scene)).toEqual({
      colourBinding: null,
      shapeBinding: null,
      textureBinding: null,
      counting: null,
      spatial: null,
    });
    expect(compBenchScores("a star", scene)).toMatchObject({
      shapeBinding: 1,
      colourBinding: null,
    });
  });

  it("binds attributes to the named shape, not to the image", () => {
    // Both colours are in the image, on the other shapes.
    expect(compBenchScores("a blue star and a red circle", scene)).toMatchObject({
      colourBinding: 0,
      shapeBinding: 1,
    });
    expect(compBenchScores("a red star and a blue square", scene)).toMatchObject({
      colourBinding: 0.5,
      shapeBinding: 0.5,
    });
    expect(compBenchScores("a plain star and a striped circle", scene).textureBinding).toBe(0);
    expect(compBenchScores("a striped star and a solid circle", scene).textureBinding).toBe(1);
  });

  it("counts all objects and each counted shape", () => {
    expect(compBenchScores("two objects on a white background .", scene).counting).toBe(1);
    expect(compBenchScores("three shapes on a white background .", scene).counting).toBe(0);
    expect(
      compBenchScores("two shapes on a white background . there are two stars .", scene).counting,
    ).toBe(0.5);
  });

  it("checks relations between the named objects' grid cells", () => {
    expect(compBenchScores("the red star is above the blue circle", scene).spatial).toBe(1);
    expect(compBenchScores("the red star is to the left of the blue circle", scene).spatial).toBe(
      1,
    );
    expect(compBenchScores("the red star is below the blue circle", scene).spatial).toBe(0);
    // A relation whose objects are missing does not hold.
    expect(compBenchScores("the green star is above the blue circle", scene).spatial).toBe(0);
  });
});

describe("judge constants", () => {
  const Rgb = z.tuple([z.number(), z.number(), z.number()]);
  const Judge = z.object({
    palette: z.object({
      colours: z.record(z.string(), Rgb),
      backgrounds: z.record(z.string(), Rgb),
      dark_ink: Rgb,
      light_ink: Rgb,
    }),
    shape_prototypes: z.record(z.string(), z.array(z.number())),
  });
  const manifest = z
    .object({ components: z.object({ judge: Judge }) })
    .parse(
      JSON.parse(
        readFileSync(resolve(import.meta.dirname, "../../models/limner-mini/model.json"), "utf8"),
      ),
    );

  it("match the committed limner-mini manifest's judge component", () => {
    const { palette, shape_prototypes } = manifest.components.judge;
    expect(palette.colours).toEqual(COLOURS);
    expect(palette.backgrounds).toEqual(BACKGROUNDS);
    expect(palette.dark_ink).toEqual(DARK_INK);
    expect(palette.light_ink).toEqual(LIGHT_INK);
    expect(shape_prototypes).toEqual(SHAPE_PROTOTYPES);
  });
});
