/**
 * The TypeScript judge on fresh renders of the Python shapes world (see world-scenes.ts):
 * per-attribute accuracy against the ground truth (the target: ≥ 98 %), agreement with
 * the Python judge, the prompt parser on the world's own captions, and the scores on a scene's
 * own render versus a recoloured twin.
 */
import type { SceneGraph, SceneGraphObject } from "@limner/contracts";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { compBenchScores } from "../../src/judge/compbench-scores";
import { parseMentions, parsePrompt } from "../../src/judge/prompt-parser";
import { readScene } from "../../src/judge/read-scene";
import type { RgbImage } from "../../src/judge/rgb-image";
import { COLUMNS, ROWS } from "../../src/judge/vocabulary";
import { renderWorldScenes, type WorldScene } from "./world-scenes";

const ATTRIBUTES = ["shape", "colour", "size", "texture"] as const;
const TARGET = 0.98;

let scenes: WorldScene[];
beforeAll(async () => {
  scenes = await renderWorldScenes(210, 40);
}, 30_000);

const cellOf = (o: SceneGraphObject) => `${o.position.row} ${o.position.column}`;

/**
 * Per-attribute agreement of `read` with `reference` over the reference's objects, matched by
 * grid cell (the world puts at most one object per cell); a missed object is wrong on all,
 * as `training/judge/accuracy.py` counts it. Also whole-object, count and background agreement.
 */
function agreement(pairs: readonly { reference: SceneGraph; read: SceneGraph }[]) {
  const hits = { shape: 0, colour: 0, size: 0, texture: 0, position: 0, object: 0 };
  let objects = 0;
  let counts = 0;
  let backgrounds = 0;
  for (const { reference, read } of pairs) {
    counts += Number(read.objects.length === reference.objects.length);
    backgrounds += Number(read.background === reference.background);
    const byCell = new Map(read.objects.map((o) => [cellOf(o), o]));
    for (const want of reference.objects) {
      objects++;
      const got = byCell.get(cellOf(want));
      if (!got) continue;
      hits.position++;
      for (const a of ATTRIBUTES) hits[a] += Number(got[a] === want[a]);
      hits.object += Number(ATTRIBUTES.every((a) => got[a] === want[a]));
    }
  }
  return {
    shape: hits.shape / objects,
    colour: hits.colour / objects,
    size: hits.size / objects,
    texture: hits.texture / objects,
    position: hits.position / objects,
    object: hits.object / objects,
    count: counts / pairs.length,
    background: backgrounds / pairs.length,
    objects,
    images: pairs.length,
  };
}

function report(name: string, result: Record<string, number>) {
  if (process.env.LIMNER_JUDGE_REPORT) console.info(name, JSON.stringify(result));
}

describe("judge on fresh world renders", () => {
  it("covers all three aspect-ratio buckets", () => {
    const buckets = new Set(scenes.map((s) => s.bucket));
    expect([...buckets].sort()).toEqual(["landscape", "portrait", "square"]);
    expect(scenes.map((s) => s.image.width * 1000 + s.image.height)).toContain(224_128);
  });

  it("reads every attribute with ≥ 98 % accuracy against the ground truth", () => {
    const result = agreement(scenes.map((s) => ({ reference: s.truth, read: readScene(s.image) })));
    report("vs ground truth", result);
    expect(result.objects).toBeGreaterThan(400);
    for (const key of [...ATTRIBUTES, "position", "count", "background"] as const) {
      expect(result[key], key).toBeGreaterThanOrEqual(TARGET);
    }
  });

  it("agrees with the Python judge on ≥ 98 % of objects", () => {
    const result = agreement(
      scenes.map((s) => ({ reference: s.python, read: readScene(s.image) })),
    );
    report("vs python judge", result);
    expect(result.object).toBeGreaterThanOrEqual(TARGET);
    for (const key of [...ATTRIBUTES, "position", "count", "background"] as const) {
      expect(result[key], key).toBeGreaterThanOrEqual(TARGET);
    }
  });

  it("reads outputs upscaled as the runtime upscales them (lanczos3, 8×: 128 → 1024 px)", async () => {
    const upscale = async ({ width, height, data }: RgbImage): Promise<RgbImage> => {
      const out = await sharp(data, { raw: { width, height, channels: 3 } })
        .resize(width * 8, height * 8, { fit: "fill", kernel: "lanczos3" })
        .raw()
        .toBuffer({ resolveWithObject: true });
      return { width: out.info.width, height: out.info.height, data: out.data };
    };
    const subset = scenes.slice(0, 15);
    const pairs = await Promise.all(
      subset.map(async (s) => ({ reference: s.truth, read: readScene(await upscale(s.image)) })),
    );
    const result = agreement(pairs);
    report("upscaled 8x vs ground truth", result);
    for (const key of [...ATTRIBUTES, "position", "count"] as const) {
      expect(result[key], key).toBeGreaterThanOrEqual(0.95);
    }
  }, 30_000); // 1024-px lanczos resizes of every render: seconds on a loaded 2-core machine
});

function cellIndex(o: SceneGraphObject) {
  return { row: ROWS.indexOf(o.position.row), column: COLUMNS.indexOf(o.position.column) };
}

const canonical = (o: object) => JSON.stringify(o, Object.keys(o).sort());

describe("prompt parser on the world's captions", () => {
  it("reads every fact of every descriptive caption back, in either text form", () => {
    for (const scene of scenes) {
      const truthObjects = scene.truth.objects.map((o) => ({
        shape: o.shape,
        colour: o.colour,
        size: o.size,
        texture: o.texture,
        ...cellIndex(o),
      }));
      const shapeCounts: Record<string, number> = {};
      for (const o of scene.truth.objects) shapeCounts[o.shape] = (shapeCounts[o.shape] ?? 0) + 1;
      for (const text of [scene.descriptive, scene.pretty]) {
        const parsed = parsePrompt(text);
        expect(parsed.background, text).toBe(scene.truth.background);
        expect(parsed.count, text).toBe(scene.truth.objects.length);
        expect(parsed.objects.map(canonical).sort(), text).toEqual(
          truthObjects.map(canonical).sort(),
        );
        for (const [shape, k] of Object.entries(parsed.shapeCounts)) {
          expect(k, text).toBe(shapeCounts[shape]);
          expect(k, text).toBeGreaterThan(1);
        }
      }
    }
  });

  it("reads the short captions' main subjects", () => {
    for (const scene of scenes) {
      const mentions = parseMentions(scene.short).map((o) => `${o.colour} ${o.shape}`);
      const parsed = parsePrompt(scene.short).objects.map((o) => `${o.colour} ${o.shape}`);
      const subjects = scene.short.split(" and ").map((s) => s.replace(/^a /, ""));
      expect(mentions, scene.short).toEqual(subjects);
      expect(parsed, scene.short).toEqual(subjects);
    }
  });

  it("finds every stated relation, and each holds in the ground truth", () => {
    let relations = 0;
    for (const scene of scenes) {
      for (const { a, relation, b } of parsePrompt(scene.descriptive).relations) {
        relations++;
        const find = (side: typeof a) =>
          scene.truth.objects.filter((o) => o.shape === side.shape && o.colour === side.colour);
        const [first, second] = [find(a), find(b)];
        expect(first).toHaveLength(1);
        expect(second).toHaveLength(1);
        if (!first?.[0] || !second?.[0]) continue;
        const [p, q] = [cellIndex(first[0]), cellIndex(second[0])];
        const holds = {
          left: p.column < q.column,
          right: p.column > q.column,
          above: p.row < q.row,
          below: p.row > q.row,
        }[relation];
        expect(holds, scene.descriptive).toBe(true);
      }
      const stated = scene.descriptive.match(/ (left of|right of|above|below) /g) ?? [];
      expect(parsePrompt(scene.descriptive).relations).toHaveLength(stated.length);
    }
    expect(relations).toBeGreaterThan(50);
  });
});

describe("compbench scores on renders", () => {
  it("scores 1.0 on every checkable aspect of a render of the prompt's own scene", () => {
    let spatial = 0;
    for (const scene of scenes) {
      const scores = compBenchScores(scene.descriptive, readScene(scene.image));
      expect(scores.colourBinding).toBe(1);
      expect(scores.shapeBinding).toBe(1);
      expect(scores.textureBinding).toBe(1);
      expect(scores.counting).toBe(1);
      if (scores.spatial !== null) {
        spatial++;
        expect(scores.spatial).toBe(1);
      }
      expect(compBenchScores(scene.short, readScene(scene.image))).toEqual({
        colourBinding: 1,
        shapeBinding: 1,
        textureBinding: null,
        counting: null,
        spatial: null,
      });
    }
    expect(spatial).toBeGreaterThan(30);
  });

  it("scores colour binding below 1 on the same scene with one object recoloured", () => {
    const twins = scenes.filter((s) => s.swappedImage);
    expect(twins).toHaveLength(40);
    for (const scene of twins) {
      if (!scene.swappedImage) continue;
      const scores = compBenchScores(scene.descriptive, readScene(scene.swappedImage));
      expect(scores.colourBinding).toBeLessThan(1);
      expect(scores.shapeBinding).toBe(1);
      expect(scores.textureBinding).toBe(1);
      expect(scores.counting).toBe(1);
    }
  });
});
