/**
 * The runtime's `score` procedure through real HTTP: the judge's scene graph and scores for
 * every model (it reads pixels, so it needs no contrastive towers), the similarity only where
 * the model has towers, and bad images refused as for `caption`.
 */
import { RuntimeScoreResult } from "@limner/contracts";
import { TRPCClientError } from "@trpc/client";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelsDir, startRuntime, type TestRuntime } from "../runtime/runtime-harness";
import { renderWorldScenes, type WorldScene } from "./world-scenes";

let rt: TestRuntime;
let scene: WorldScene;
let png: string;

beforeAll(async () => {
  const [scenes, runtime] = await Promise.all([
    renderWorldScenes(12, 0),
    startRuntime({
      LIMNER_MODELS_DIR: modelsDir({ limnerMini: true }),
      LIMNER_MAX_INPUT_PIXELS: "2000000",
    }),
  ]);
  rt = runtime;
  // A scene with two or more objects, so binding and counting have something to check.
  const found = scenes.find((s) => s.truth.objects.length >= 2);
  if (!found) throw new Error("no multi-object scene rendered");
  scene = found;
  const { width, height, data } = scene.image;
  png = (
    await sharp(data, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer()
  ).toString("base64");
}, 60_000);
afterAll(async () => {
  await rt?.stop();
});

describe("score", () => {
  it("returns the judge's scene graph and scores, and the similarity where there are towers", async () => {
    const result = await rt.client.score.mutate({
      model: "limner-mini",
      image: png,
      prompt: scene.descriptive,
    });
    expect(RuntimeScoreResult.parse(result)).toEqual(result);
    expect(result.sceneGraph).toEqual(scene.truth);
    expect(result.scores).toMatchObject({
      colourBinding: 1,
      shapeBinding: 1,
      textureBinding: 1,
      counting: 1,
    });
    expect(result.similarity).toBeTypeOf("number");
  });

  it("scores with a model that has no contrastive towers (similarity null)", async () => {
    const result = await rt.client.score.mutate({
      model: "tiny-sd",
      image: `data:image/png;base64,${png}`,
      prompt: "a purple hexagon above a gray cross",
    });
    expect(result.similarity).toBeNull();
    expect(result.sceneGraph).toEqual(scene.truth);
    expect(result.scores.shapeBinding).not.toBeNull();
  });

  it("reads an output upscaled to 1024 px at its own size", async () => {
    const { width, height } = scene.image;
    const big = await sharp(Buffer.from(png, "base64"))
      .resize(width * 8, height * 8, { fit: "fill", kernel: "lanczos3" })
      .png()
      .toBuffer();
    const result = await rt.client.score.mutate({
      model: "tiny-sd",
      image: big.toString("base64"),
      prompt: scene.short,
    });
    expect(result.sceneGraph).toEqual(scene.truth);
    expect(result.scores.colourBinding).toBe(1);
  });

  it("refuses what caption refuses", async () => {
    const codeOf = async (image: string) => {
      const error = await rt.client.score
        .mutate({ model: "tiny-sd", image, prompt: "a red star" })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TRPCClientError);
      return error instanceof TRPCClientError ? error.data?.code : undefined;
    };
    expect(await codeOf("definitely not base64!")).toBe("BAD_REQUEST");
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: "red" } })
      .gif()
      .toBuffer();
    expect(await codeOf(gif.toString("base64"))).toBe("UNSUPPORTED_MEDIA_TYPE");
    const huge = await sharp({
      create: { width: 2000, height: 1001, channels: 3, background: "white" },
    })
      .png()
      .toBuffer();
    expect(await codeOf(huge.toString("base64"))).toBe("PAYLOAD_TOO_LARGE");
  });
});
