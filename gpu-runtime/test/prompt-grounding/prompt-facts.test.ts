import { describe, expect, it } from "vitest";
import { readPromptFacts } from "../../src/prompt-grounding/prompt-facts";

describe("readPromptFacts", () => {
  it("reads every attribute and the background of a full prompt", () => {
    expect(readPromptFacts("a large green striped heart on a black background")).toEqual({
      objects: [{ shape: "heart", colour: "green", size: "large", texture: "striped" }],
      background: "black",
    });
  });

  it("reads a relation between the mentions around it", () => {
    expect(readPromptFacts("a blue dotted square to the left of an orange hexagon")).toEqual({
      objects: [
        { shape: "square", colour: "blue", texture: "dotted" },
        { shape: "hexagon", colour: "orange" },
      ],
      relation: { a: [0], relation: "left", b: [1] },
    });
    expect(readPromptFacts("A red star above a green circle.").relation).toEqual({
      a: [0],
      relation: "above",
      b: [1],
    });
  });

  it("expands counts into objects, and relates whole groups", () => {
    const facts = readPromptFacts("two red stars below three circles and a heart");
    expect(facts.objects).toEqual([
      { shape: "star", colour: "red" },
      { shape: "star", colour: "red" },
      { shape: "circle" },
      { shape: "circle" },
      { shape: "circle" },
      { shape: "heart" },
    ]);
    expect(facts.relation).toEqual({ a: [0, 1], relation: "below", b: [2, 3, 4] });
  });

  it("reads English punctuation, capitals, synonyms, textures after the shape and positions", () => {
    expect(
      readPromptFacts(
        "A big grey star with stripes at the top left, and a circle with no pattern in the center.",
      ),
    ).toEqual({
      objects: [
        { shape: "star", colour: "gray", size: "large", texture: "striped", row: 0, column: 0 },
        { shape: "circle", texture: "plain", row: 1, column: 1 },
      ],
    });
    expect(readPromptFacts("a hexagon with a checkered pattern on the right").objects).toEqual([
      { shape: "hexagon", texture: "checkered", row: 1, column: 2 },
    ]);
  });

  it("states no objects for a prompt without a shape", () => {
    expect(readPromptFacts("something colourful")).toEqual({ objects: [] });
  });
});
