/**
 * ImageToTextPipeline on the committed limner-mini bundle, through a real InferencePool worker.
 * Scenes are drawn as SVG in the shapes world's look (its exact palette, background colours,
 * grid placement and radii from `training/world/vocab.py` and `render.py`, hard edges), then
 * go through the same image path as an API request: PNG → base64 → checkImage → bucket tensor.
 */
import { resolve } from "node:path";
import { closestBucket } from "@limner/contracts";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferencePool } from "../../src/backend/inference-pool";
import { checkImage, toBucketTensor } from "../../src/images/image-input";
import { type LimnerBundle, loadBundle } from "../../src/models/load-bundle";
import {
  beamSearch,
  greedyDecode,
  type NextTokenScorer,
} from "../../src/pipelines/caption-decoding";
import type { ImageToTextPipeline } from "../../src/pipelines/image-to-text";

const BUNDLE = resolve(import.meta.dirname, "../../models/limner-mini");
const MAX_PIXELS = 1024 * 1024;

/** training/world/vocab.py: COLOURS, BACKGROUNDS, SIZES (radius ÷ the smaller cell side). */
const COLOURS = { red: [220, 30, 30], blue: [30, 70, 220] } as const;
const BACKGROUNDS = { white: [250, 250, 250], silver: [200, 200, 200] } as const;
const SIZES = { small: 0.22, medium: 0.32, large: 0.44 } as const;

interface SceneObject {
  readonly shape: "circle" | "square";
  readonly colour: keyof typeof COLOURS;
  readonly size: keyof typeof SIZES;
  readonly row: 0 | 1 | 2;
  readonly col: 0 | 1 | 2;
}

/** A plain-textured world scene at 128×128 (the square bucket), objects centred in their cells. */
async function renderScene(
  background: keyof typeof BACKGROUNDS,
  objects: readonly SceneObject[],
): Promise<string> {
  const side = 128;
  const cell = side / 3;
  const rgb = (c: readonly number[]) => `rgb(${c.join(",")})`;
  const shapes = objects.map((o) => {
    const r = SIZES[o.size] * cell;
    const cx = (o.col + 0.5) * cell;
    const cy = (o.row + 0.5) * cell;
    const fill = rgb(COLOURS[o.colour]);
    return o.shape === "circle"
      ? `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${fill}"/>`
      : `<rect x="${cx - r}" y="${cy - r}" width="${2 * r}" height="${2 * r}" fill="${fill}"/>`;
  });
  // crispEdges: the world renders without anti-aliasing.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}" shape-rendering="crispEdges">
    <rect width="${side}" height="${side}" fill="${rgb(BACKGROUNDS[background])}"/>${shapes.join("")}</svg>`;
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  return png.toString("base64");
}

let pool: InferencePool;
let bundle: LimnerBundle;
let captioner: ImageToTextPipeline;
let buckets: ImageToTextPipeline["buckets"];

async function pixelsOf(base64: string) {
  const image = await checkImage(base64, { maxPixels: MAX_PIXELS });
  const bucket = closestBucket(image.width, image.height, buckets);
  return { pixels: await toBucketTensor(image, bucket, MAX_PIXELS), bucket };
}

/** Some sentence names both words (and is not a relation between two objects). */
function names(caption: string, colour: string, shape: string): boolean {
  return caption
    .split(".")
    .filter((s) => !/\b(of|above|below)\b/.test(s))
    .some((s) => new RegExp(`\\b${colour}\\b`).test(s) && new RegExp(`\\b${shape}\\b`).test(s));
}

const RED_CIRCLE: SceneObject = { shape: "circle", colour: "red", size: "large", row: 1, col: 1 };
const BLUE_SQUARE: SceneObject = { shape: "square", colour: "blue", size: "large", row: 1, col: 1 };

beforeAll(async () => {
  pool = await InferencePool.start({ workers: 1, executionProviders: ["cpu"], intraOpThreads: 1 });
  bundle = await loadBundle(BUNDLE, { pool });
  if (!bundle.imageToText) throw new Error("limner-mini has no captioner");
  captioner = bundle.imageToText;
  buckets = captioner.buckets;
});

afterAll(async () => {
  await bundle?.dispose();
  await pool?.close();
});

describe("ImageToTextPipeline on limner-mini", { timeout: 60_000 }, () => {
  it("names the colour and shape of a red circle and of a blue square (descriptive, greedy)", async () => {
    const scenes = [
      { scene: await renderScene("white", [RED_CIRCLE]), colour: "red", shape: "circle" },
      { scene: await renderScene("silver", [BLUE_SQUARE]), colour: "blue", shape: "square" },
    ];
    for (const { scene, colour, shape } of scenes) {
      const { pixels, bucket } = await pixelsOf(scene);
      expect(bucket.name).toBe("square");
      const caption = await captioner.caption(pixels, bucket, { detail: "descriptive", beams: 1 });
      expect(names(caption, colour, shape), caption).toBe(true);
      // The other scene's object must not be described instead.
      const other = colour === "red" ? ["blue", "square"] : ["red", "circle"];
      expect(names(caption, other[0] ?? "", other[1] ?? ""), caption).toBe(false);
      // Decoding stops at EOS and never leaks special tokens.
      expect(caption).not.toMatch(/\[(BOS|EOS|PAD|SHORT|DESC)\]/);
    }
  });

  it("short mode names the main subject in fewer words than descriptive mode", async () => {
    const { pixels, bucket } = await pixelsOf(await renderScene("white", [RED_CIRCLE]));
    const short = await captioner.caption(pixels, bucket, { detail: "short", beams: 1 });
    const descriptive = await captioner.caption(pixels, bucket, {
      detail: "descriptive",
      beams: 1,
    });
    expect(names(short, "red", "circle"), short).toBe(true);
    expect(short.split(" ").length).toBeLessThan(descriptive.split(" ").length);
    // The caller's pixels are copied, not transferred to the worker.
    expect(pixels.length).toBe(3 * 128 * 128);
  });

  it("beam search (3 beams) gives a non-empty caption, the same one every time", async () => {
    const { pixels, bucket } = await pixelsOf(await renderScene("silver", [BLUE_SQUARE]));
    const options = { detail: "descriptive", beams: 3 } as const;
    const first = await captioner.caption(pixels, bucket, options);
    const second = await captioner.caption(pixels, bucket, options);
    expect(first.length).toBeGreaterThan(0);
    expect(second).toBe(first);
    expect(names(first, "blue", "square"), first).toBe(true);
  });

  it("rejects with the abort reason, before starting or between decoder steps", async () => {
    const { pixels, bucket } = await pixelsOf(await renderScene("white", [RED_CIRCLE]));
    const aborted = AbortSignal.abort();
    await expect(
      captioner.caption(pixels, bucket, { detail: "short", beams: 1, signal: aborted }),
    ).rejects.toMatchObject({ name: "AbortError" });

    const controller = new AbortController();
    const runs = () => pool.stats()[0]?.runsStarted ?? 0;
    const before = runs();
    let settled = false;
    const outcome = captioner
      .caption(pixels, bucket, { detail: "descriptive", beams: 3, signal: controller.signal })
      .then(
        (caption) => ({ caption }),
        (error: unknown) => ({ error }),
      )
      .finally(() => {
        settled = true;
      });
    // Abort once the encoder and a couple of decoder steps have run.
    while (!settled && runs() < before + 3) await new Promise((r) => setTimeout(r, 1));
    controller.abort();
    expect(await outcome).toMatchObject({ error: { name: "AbortError" } });
    const after = runs();
    await new Promise((r) => setTimeout(r, 50));
    expect(runs()).toBe(after);
    expect(after - before).toBeLessThan(10);
  });

  it("refuses pixels that do not fit the bucket and buckets the model does not have", async () => {
    const square = { name: "square", width: 128, height: 128 };
    const options = { detail: "short", beams: 1 } as const;
    await expect(captioner.caption(new Float32Array(10), square, options)).rejects.toThrow(
      RangeError,
    );
    const odd = { name: "odd", width: 64, height: 64 };
    await expect(captioner.caption(new Float32Array(3 * 64 * 64), odd, options)).rejects.toThrow(
      /buckets/,
    );
    await expect(
      captioner.caption(new Float32Array(3 * 128 * 128), square, { ...options, beams: 0 }),
    ).rejects.toThrow(RangeError);
  });
});

/**
 * The search on a hand-written three-token model (EOS = 0, A = 1, B = 2): probabilities of the
 * next token for each generated prefix, EOS-heavy beyond the table.
 */
function tableModel(table: Record<string, readonly [number, number, number]>): NextTokenScorer {
  return async (sequences) =>
    sequences.map((sequence) => {
      const probabilities = table[sequence.slice(PREFIX.length).join(",")] ?? [0.98, 0.01, 0.01];
      return Float32Array.from(probabilities, Math.log);
    });
}
const PREFIX = [7, 8];
const EOS = 0;

describe("caption decoding", () => {
  // Greedy takes A (0.5) but A's continuations are flat; B (0.4) then EOS (0.9) is far likelier.
  const garden = tableModel({
    "": [0.1, 0.5, 0.4],
    "1": [0.35, 0.33, 0.32],
    "2": [0.9, 0.05, 0.05],
  });

  it("greedy follows the locally best token; beam search finds the better sequence", async () => {
    const options = { prefix: PREFIX, eosId: EOS, maxNewTokens: 10 };
    expect(await greedyDecode(garden, options)).toEqual([1]);
    expect(await beamSearch(garden, { ...options, beams: 2 })).toEqual([2]);
  });

  it("normalises by length: the mean log-prob prefers a longer, surer caption", async () => {
    // [] (EOS at once): log 0.4 = -0.92. [A A]: log(0.6·0.9·0.5) = -1.31 in total but
    // -0.44 per token; raw sums (lengthPenalty 0) pick the empty caption.
    const model = tableModel({ "": [0.4, 0.6, 0], "1": [0.1, 0.9, 0], "1,1": [0.5, 0.3, 0.2] });
    const options = { prefix: PREFIX, eosId: EOS, maxNewTokens: 10, beams: 2 };
    expect(await beamSearch(model, options)).toEqual([1, 1]);
    expect(await beamSearch(model, { ...options, lengthPenalty: 0 })).toEqual([]);
  });

  it("stops at maxNewTokens and on an aborted signal", async () => {
    const forever = tableModel({});
    const never: NextTokenScorer = async (sequences) =>
      sequences.map(() => Float32Array.from([0.01, 0.98, 0.01], Math.log));
    const options = { prefix: PREFIX, eosId: EOS, maxNewTokens: 4 };
    expect(await greedyDecode(never, options)).toEqual([1, 1, 1, 1]);
    expect(await beamSearch(never, { ...options, beams: 3 })).toEqual([1, 1, 1, 1]);
    const signal = AbortSignal.abort();
    await expect(greedyDecode(forever, { ...options, signal })).rejects.toMatchObject({
      name: "AbortError",
    });
    await expect(beamSearch(forever, { ...options, beams: 2, signal })).rejects.toMatchObject({
      name: "AbortError",
    });
  });
});
