import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type CompBenchScores,
  GenerateInput,
  RuntimeScoreResult,
  type SceneGraph,
} from "../src/index";

const result = {
  model: "limner-mini",
  similarity: 0.42,
  sceneGraph: {
    background: "white",
    objects: [
      {
        shape: "star",
        colour: "red",
        size: "small",
        texture: "striped",
        position: { column: "left", row: "top" },
      },
    ],
  },
  scores: {
    colourBinding: 1,
    shapeBinding: 1,
    textureBinding: null,
    counting: 0,
    spatial: null,
  },
} as const;

describe("RuntimeScoreResult", () => {
  it("accepts a full result", () => {
    expect(RuntimeScoreResult.parse(result)).toEqual(result);
  });

  it("accepts a null similarity (a model without contrastive towers) and an empty scene", () => {
    const bare = {
      ...result,
      similarity: null,
      sceneGraph: { background: "navy", objects: [] },
    };
    expect(RuntimeScoreResult.parse(bare)).toEqual(bare);
  });

  const object = result.sceneGraph.objects[0];
  it.each([
    ["similarity missing", { similarity: undefined }],
    ["sceneGraph missing", { sceneGraph: undefined }],
    ["scores missing", { scores: undefined }],
    ["score above 1", { scores: { ...result.scores, counting: 1.5 } }],
    ["negative score", { scores: { ...result.scores, spatial: -0.1 } }],
    [
      "snake_case score key",
      { scores: { ...result.scores, colourBinding: undefined, colour_binding: 1 } },
    ],
    [
      "unknown grid column",
      {
        sceneGraph: {
          background: "white",
          objects: [{ ...object, position: { column: "center", row: "top" } }],
        },
      },
    ],
    [
      "unknown grid row",
      {
        sceneGraph: {
          background: "white",
          objects: [{ ...object, position: { column: "left", row: "upper" } }],
        },
      },
    ],
    ["empty shape", { sceneGraph: { background: "white", objects: [{ ...object, shape: "" }] } }],
    ["no background", { sceneGraph: { objects: [] } }],
  ])("rejects %s", (_name, patch) => {
    expect(RuntimeScoreResult.safeParse({ ...result, ...patch }).success).toBe(false);
  });

  it("types", () => {
    expectTypeOf<RuntimeScoreResult["similarity"]>().toEqualTypeOf<number | null>();
    expectTypeOf<CompBenchScores["spatial"]>().toEqualTypeOf<number | null>();
    expectTypeOf<SceneGraph["objects"][number]["position"]["column"]>().toEqualTypeOf<
      "left" | "centre" | "right"
    >();
  });
});

describe("GenerateInput", () => {
  const base = { requestId: "r", model: "m", prompt: "p" };

  it("takes both families' qualities, counted or periodic previews, and a compression", () => {
    expect(GenerateInput.parse(base)).toMatchObject({ quality: "standard", previews: false });
    for (const quality of ["standard", "hd", "low", "medium", "high", "auto"]) {
      expect(GenerateInput.safeParse({ ...base, quality }).success).toBe(true);
    }
    expect(GenerateInput.parse({ ...base, previews: 2 }).previews).toBe(2);
    expect(GenerateInput.parse({ ...base, previews: true }).previews).toBe(true);
    expect(GenerateInput.safeParse({ ...base, previews: 9 }).success).toBe(false);
    expect(GenerateInput.safeParse({ ...base, outputCompression: 101 }).success).toBe(false);
  });
});
