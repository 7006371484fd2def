import { describe, expect, it } from "vitest";
import { parseSuite, scoreStated } from "../src/eval/index";
import { type SceneGraph, ScoreRequest, ScoreResponse, toScoreResponse } from "../src/index";

const PNG_B64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==";

const scene: SceneGraph = {
  background: "white",
  objects: [
    {
      shape: "star",
      colour: "red",
      size: "small",
      texture: "striped",
      position: { column: "left", row: "top" },
    },
    {
      shape: "circle",
      colour: "blue",
      size: "large",
      texture: "plain",
      position: { column: "right", row: "bottom" },
    },
  ],
};

describe("ScoreRequest / ScoreResponse", () => {
  it("takes an inline image and the prompt to score against", () => {
    expect(ScoreRequest.parse({ image: PNG_B64, prompt: "a red star" })).toEqual({
      image: PNG_B64,
      prompt: "a red star",
    });
    expect(ScoreRequest.safeParse({ image: PNG_B64 }).success).toBe(false);
    expect(ScoreRequest.safeParse({ image: "not base64!", prompt: "x" }).success).toBe(false);
    expect(ScoreRequest.safeParse({ image: PNG_B64, prompt: "x", sceneGraph: {} }).success).toBe(
      false,
    );
  });

  it("translates the runtime's camelCase result to the snake_case wire format", () => {
    const wire = toScoreResponse({
      model: "m",
      similarity: 0.25,
      sceneGraph: scene,
      scores: {
        colourBinding: 1,
        shapeBinding: 0.5,
        textureBinding: null,
        counting: 0,
        spatial: null,
      },
    });
    expect(wire).toEqual({
      model: "m",
      similarity: 0.25,
      scene_graph: scene,
      scores: {
        colour_binding: 1,
        shape_binding: 0.5,
        texture_binding: null,
        counting: 0,
        spatial: null,
      },
    });
    expect(ScoreResponse.parse(wire)).toEqual(wire);
  });
});

describe("scoreStated (T2I-CompBench-style checks)", () => {
  it("binds attributes to the named shape and checks counts and relations on the grid", () => {
    const scores = scoreStated(
      {
        objects: [
          { shape: "star", colour: "red", texture: "dotted" },
          { shape: "circle", colour: "red" },
        ],
        count: 2,
        shapeCounts: { star: 1 },
        relations: [
          { a: { shape: "star", colour: "red" }, relation: "above", b: { shape: "circle" } },
          { a: { shape: "star" }, relation: "right", b: { shape: "circle" } },
        ],
      },
      scene,
    );
    // The circle is blue: red is in the image, but not on the circle.
    expect(scores).toEqual({
      colourBinding: 0.5,
      shapeBinding: 1,
      textureBinding: 0,
      counting: 1,
      spatial: 0.5,
    });
  });
});

describe("parseSuite", () => {
  const item = (id: string, category: string) => ({
    id,
    category,
    bucket: "square",
    seed: 7,
    short: "a red star",
    descriptive: "a red star on a white background .",
    expected_short: { objects: [{ shape: "star", colour: "red" }], shapeCounts: {}, relations: [] },
    expected_descriptive: { objects: [{ shape: "star" }], shapeCounts: {}, relations: [] },
  });

  it("interleaves the categories so a prefix covers each, and defaults to one image", () => {
    const suite = parseSuite({
      items: [item("c1", "colour"), item("c2", "colour"), item("s1", "shape"), item("s2", "shape")],
    });
    expect(suite.items.map((i) => i.id)).toEqual(["c1", "s1", "c2", "s2"]);
    expect(suite.imagesPerPrompt).toBe(1);
  });

  it("names the file and the problem", () => {
    expect(() => parseSuite({ items: [item("x", "colours")] }, "suite.json")).toThrow(
      /Invalid suite\.json:[\s\S]*category/,
    );
    expect(() => parseSuite({ items: [] })).toThrow(/items/);
  });
});
