/**
 * ImageTextSimilarityPipeline on the committed limner-mini bundle through a real InferencePool
 * worker, with scenes drawn as SVG in the shapes world's look (palette and geometry from
 * `training/world/vocab.py` and `render.py`, hard edges) and sent through the API's image path.
 */
import { resolve } from "node:path";
import { closestBucket } from "@limner/contracts";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferencePool } from "../../src/backend/inference-pool";
import { checkImage, toBucketTensor } from "../../src/images/image-input";
import { type LimnerBundle, loadBundle } from "../../src/models/load-bundle";
import {
  cosine,
  type ImageTextSimilarityPipeline,
} from "../../src/pipelines/image-text-similarity";

const BUNDLE = resolve(import.meta.dirname, "../../models/limner-mini");
const MAX_PIXELS = 1024 * 1024;

/** training/world/vocab.py: COLOURS and BACKGROUNDS; a large object's radius is 0.44 of a cell. */
const RED = "rgb(220,30,30)";
const BLUE = "rgb(30,70,220)";
const WHITE = "rgb(250,250,250)";

/** One large plain object in the centre cell of a 128×128 (square bucket) scene. */
async function scene(shape: "circle" | "square", fill: string) {
  const side = 128;
  const c = side / 2;
  const r = 0.44 * (side / 3);
  const object =
    shape === "circle"
      ? `<circle cx="${c}" cy="${c}" r="${r}" fill="${fill}"/>`
      : `<rect x="${c - r}" y="${c - r}" width="${2 * r}" height="${2 * r}" fill="${fill}"/>`;
  // crispEdges: the world renders without anti-aliasing.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}" shape-rendering="crispEdges">
    <rect width="${side}" height="${side}" fill="${WHITE}"/>${object}</svg>`;
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  const image = await checkImage(png.toString("base64"), { maxPixels: MAX_PIXELS });
  const bucket = closestBucket(image.width, image.height, towers.buckets);
  return { pixels: await toBucketTensor(image, bucket, MAX_PIXELS), bucket };
}

let pool: InferencePool;
let bundle: LimnerBundle;
let towers: ImageTextSimilarityPipeline;

beforeAll(async () => {
  pool = await InferencePool.start({ workers: 1, executionProviders: ["cpu"], intraOpThreads: 1 });
  bundle = await loadBundle(BUNDLE, { pool });
  if (!bundle.similarity) throw new Error("limner-mini has no contrastive towers");
  towers = bundle.similarity;
});

afterAll(async () => {
  await bundle?.dispose();
  await pool?.close();
});

describe("ImageTextSimilarityPipeline on limner-mini", { timeout: 60_000 }, () => {
  it("scores the matching caption above one with the wrong colour and shape", async () => {
    const redCircle = await scene("circle", RED);
    const blueSquare = await scene("square", BLUE);
    const score = (image: typeof redCircle, text: string) =>
      towers.similarity(image.pixels, image.bucket, text);

    const matches = [
      await score(redCircle, "a large red circle in the centre ."),
      await score(blueSquare, "a large blue square in the centre ."),
    ];
    const mismatches = [
      await score(redCircle, "a large blue square in the centre ."),
      await score(blueSquare, "a large red circle in the centre ."),
    ];
    for (const s of [...matches, ...mismatches]) {
      expect(s).toBeGreaterThanOrEqual(-1);
      expect(s).toBeLessThanOrEqual(1);
    }
    expect(matches[0]).toBeGreaterThan(mismatches[0] ?? 1);
    expect(matches[1]).toBeGreaterThan(mismatches[1] ?? 1);
    // The short-caption form of the prompt agrees.
    expect(await score(redCircle, "a red circle")).toBeGreaterThan(
      await score(redCircle, "a blue square"),
    );
  });

  it("is deterministic, and the caller's pixels stay usable", async () => {
    const { pixels, bucket } = await scene("circle", RED);
    const first = await towers.similarity(pixels, bucket, "a red circle");
    const second = await towers.similarity(pixels, bucket, "a red circle");
    expect(second).toBe(first);
    expect(pixels.length).toBe(3 * 128 * 128);
  });

  it("embeds batches as it embeds one: unit vectors, short texts padded without effect", async () => {
    const red = await scene("circle", RED);
    const blue = await scene("square", BLUE);
    const texts = ["a red circle", "a large blue square in the centre ."];
    const images = await towers.imageEmbeddings([red.pixels, blue.pixels], red.bucket);
    const prompts = await towers.textEmbeddings(texts);
    expect([images.length, prompts.length]).toEqual([2, 2]);
    const [alone] = await towers.textEmbeddings([texts[0] ?? ""]);
    const [redAlone] = await towers.imageEmbeddings([red.pixels], red.bucket);
    for (const vector of [...images, ...prompts]) {
      expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    }
    expect(cosine(prompts[0] ?? Float32Array.of(), alone ?? Float32Array.of())).toBeCloseTo(1, 5);
    expect(cosine(images[0] ?? Float32Array.of(), redAlone ?? Float32Array.of())).toBeCloseTo(1, 5);
    expect(cosine(images[0] ?? Float32Array.of(), prompts[0] ?? Float32Array.of())).toBeCloseTo(
      await towers.similarity(red.pixels, red.bucket, texts[0] ?? ""),
      5,
    );
  });

  it("rejects an aborted signal", async () => {
    const { pixels, bucket } = await scene("circle", RED);
    await expect(
      towers.similarity(pixels, bucket, "a red circle", { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("cosine", () => {
  it("is 1 for parallel, -1 for opposite, 0 for orthogonal vectors", () => {
    expect(cosine(Float32Array.of(1, 2), Float32Array.of(2, 4))).toBeCloseTo(1, 6);
    expect(cosine(Float32Array.of(1, 2), Float32Array.of(-1, -2))).toBeCloseTo(-1, 6);
    expect(cosine(Float32Array.of(1, 0), Float32Array.of(0, 3))).toBe(0);
    expect(() => cosine(Float32Array.of(1), Float32Array.of(1, 2))).toThrow(RangeError);
  });
});
