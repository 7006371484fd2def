/**
 * The image model card's harness (`training/eval_image.ts`) on the random-weights tiny-limner
 * bundle, served by a real in-process runtime (real ONNX sessions, real worker threads): result
 * structure, score ranges and counts, seeded reproducibility, the decoder comparison on
 * ground-truth images, and its numeric helpers on known values.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CATEGORIES,
  CATEGORY_SCORE,
  evaluateDecoders,
  evaluateSuite,
  type HostedBundle,
  hostBundle,
  psnr,
  readSuite,
  type SuiteItem,
  sampleEulerKarras,
  VARIANTS,
} from "../training/eval_image";

const TINY_LIMNER = fileURLToPath(new URL("./fixtures/tiny-limner", import.meta.url));
const LIMNER_MINI = fileURLToPath(new URL("../models/limner-mini", import.meta.url));
const HOST = { providers: "cpu", threads: 1, log: () => {} };

// Words from tiny-limner's 71-word vocabulary only.
const SUITE: { items: SuiteItem[] } = {
  items: [
    {
      id: "colour-000",
      category: "colour",
      bucket: "landscape",
      seed: 7,
      short: "a red star and a blue circle",
      descriptive:
        "a large red striped star is at the top left . a small blue dotted circle is at the bottom right . the red star is above the blue circle .",
      expected_short: {
        objects: [
          { shape: "star", colour: "red" },
          { shape: "circle", colour: "blue" },
        ],
        shapeCounts: {},
        relations: [],
      },
      expected_descriptive: {
        objects: [
          { shape: "star", colour: "red", texture: "striped", size: "large", row: 0, column: 0 },
          { shape: "circle", colour: "blue", texture: "dotted", size: "small", row: 2, column: 2 },
        ],
        count: 2,
        shapeCounts: {},
        relations: [
          {
            a: { colour: "red", shape: "star" },
            relation: "above",
            b: { colour: "blue", shape: "circle" },
          },
        ],
      },
    },
    {
      id: "counting-000",
      category: "counting",
      bucket: "portrait",
      seed: 8,
      short: "two red stars and a blue circle",
      descriptive:
        "a red star is at the top left . a red star is at the top right . a blue circle is in the middle . there are two stars .",
      expected_short: {
        objects: [
          { shape: "star", colour: "red" },
          { shape: "star", colour: "red" },
          { shape: "circle", colour: "blue" },
        ],
        count: 3,
        shapeCounts: { star: 2, circle: 1 },
        relations: [],
      },
      expected_descriptive: {
        objects: [
          { shape: "star", colour: "red", row: 0, column: 0 },
          { shape: "star", colour: "red", row: 0, column: 2 },
          { shape: "circle", colour: "blue", row: 1, column: 1 },
        ],
        count: 3,
        shapeCounts: { star: 2 },
        relations: [],
      },
    },
  ],
};

let generator: HostedBundle;
let scorer: HostedBundle;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "limner-eval-image-"));
  generator = await hostBundle(TINY_LIMNER, HOST);
  // tiny-limner has no contrastive towers; the committed limner-mini captioner scores similarity.
  scorer = await hostBundle(LIMNER_MINI, HOST);
});
afterAll(async () => {
  await generator?.close();
  await scorer?.close();
});

const inUnit = (v: number | null) => v === null || (v >= 0 && v <= 1);

describe("evaluateSuite", () => {
  it("scores every item × variant through the runtime and aggregates per category", async () => {
    const path = join(dir, "suite.json");
    writeFileSync(path, JSON.stringify(SUITE));
    const items = readSuite(path);
    const lines: string[] = [];
    const results = await evaluateSuite({
      generator,
      scorer,
      items,
      log: (line) => lines.push(line),
      progressEvery: 3,
    });

    expect(results).toMatchObject({ model: "tiny-limner", scorerModel: "limner-mini" });
    expect(results.generation).toEqual({
      steps: 4,
      guidanceScale: 4,
      decoder: "consistency",
      scheduler: "euler",
    });
    expect(results.items).toHaveLength(items.length * VARIANTS.length);
    for (const r of results.items) {
      expect(Object.values(r.scores).every(inUnit)).toBe(true);
      expect(r.categoryScore).toBe(r.scores[CATEGORY_SCORE[r.category]]);
      expect(r.categoryScore).not.toBeNull();
      expect(r.similarity).toBeGreaterThanOrEqual(-1);
      expect(r.similarity).toBeLessThanOrEqual(1);
      const item = items.find((i) => i.id === r.id);
      expect(r.prompt).toBe(r.variant.startsWith("descriptive") ? item?.descriptive : item?.short);
      if (!r.variant.endsWith("+upsample")) expect(r.generationPrompt).toBe(r.prompt);
      expect(r.generationPrompt.length).toBeGreaterThan(0);
      expect(r.ms.generate).toBeGreaterThan(0);
    }
    for (const variant of VARIANTS) {
      const s = results.summary[variant];
      expect(s?.n).toBe(2);
      expect(s?.similarity.n).toBe(2);
      expect(s?.msPerImage).toBeGreaterThan(0);
      expect(s?.msPerUpsample === null).toBe(!variant.endsWith("+upsample"));
      for (const c of CATEGORIES) {
        const { score } = s?.categories[c] ?? { score: { n: -1, mean: null } };
        expect(score.n).toBe(c === "colour" || c === "counting" ? 1 : 0);
        expect(score.mean === null).toBe(score.n === 0);
        expect(inUnit(score.mean)).toBe(true);
      }
      // Both items name colours and shapes; only the colour item's caption states textures
      // and a relation, only the counting item's short prompt a count.
      const descriptive = variant.startsWith("descriptive");
      expect(s?.scores.colourBinding.n).toBe(2);
      expect(s?.scores.shapeBinding.n).toBe(2);
      expect(s?.scores.textureBinding.n).toBe(descriptive ? 1 : 0);
      expect(s?.scores.spatial.n).toBe(descriptive ? 1 : 0);
      expect(s?.scores.counting.n).toBe(descriptive ? 2 : 1);
    }
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toContain("8/8");

    // Seeded: the same item and variant reads back the same scene.
    const again = await evaluateSuite({ generator, items: items.slice(0, 1), variants: ["short"] });
    expect(again.items[0]?.sceneGraph).toEqual(results.items[0]?.sceneGraph);
    expect(again.scorerModel).toBe("tiny-limner");
    expect(again.items[0]?.similarity).toBeNull();
  });

  it("honours steps and decoder overrides", async () => {
    const results = await evaluateSuite({
      generator,
      items: SUITE.items.slice(0, 1),
      variants: ["short"],
      steps: 2,
      decoder: "vae",
    });
    expect(results.generation).toMatchObject({ steps: 2, decoder: "vae" });
    expect(results.settings).toEqual({ steps: 2, decoder: "vae" });
  });

  it("reads suites with the categories interleaved, so a limit covers each", () => {
    const path = join(dir, "order.json");
    const [colour, counting] = SUITE.items;
    const items = [colour, { ...colour, id: "colour-001" }, counting];
    writeFileSync(path, JSON.stringify({ items }));
    expect(readSuite(path).map((i) => i.id)).toEqual(["colour-000", "counting-000", "colour-001"]);
  });

  it("rejects a suite that does not match the schema", () => {
    const path = join(dir, "bad.json");
    writeFileSync(
      path,
      JSON.stringify({ items: [{ ...SUITE.items[0], category: "style", seed: -1 }] }),
    );
    expect(() => readSuite(path)).toThrow(/category[\s\S]*seed|seed[\s\S]*category/);
  });
});

describe("evaluateDecoders", () => {
  it("compares the VAE, consistency and teacher decoders on ground-truth images", async () => {
    const gtDir = join(dir, "gt");
    const encoder = join(dir, "vae_encoder.onnx");
    writeFileSync(encoder, patchEncoderOnnx());
    mkdirSync(gtDir);
    for (const [name, width, height] of [
      ["a-square.png", 64, 64],
      ["b-landscape.png", 112, 64],
    ] as const) {
      const rgb = Buffer.alloc(width * height * 3);
      for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37) % 256;
      await sharp(rgb, { raw: { width, height, channels: 3 } })
        .png()
        .toFile(join(gtDir, name));
    }
    const results = await evaluateDecoders({
      bundleDir: TINY_LIMNER,
      gtDir,
      vaeEncoder: encoder,
      // tiny-limner's consistency decoder has the teacher's contract: (sample, sigma, latents) → denoised.
      teacher: join(TINY_LIMNER, "consistency_decoder.onnx"),
      teacherSteps: 3,
      providers: ["cpu"],
      threads: 1,
    });
    expect(results.images).toBe(2);
    expect(results.perImage.map((p) => [p.file, p.width, p.height])).toEqual([
      ["a-square.png", 64, 64],
      ["b-landscape.png", 112, 64],
    ]);
    expect(Object.keys(results.methods).sort()).toEqual(["consistency", "teacher", "vae"]);
    expect(results.methods.vae?.nfe).toBe(1);
    expect(results.methods.consistency?.nfe).toBe(2);
    expect(results.methods.teacher?.nfe).toBe(3);
    for (const m of Object.values(results.methods)) {
      expect(Number.isFinite(m.psnrDb)).toBe(true);
      expect(m.psnrDb).toBeGreaterThan(0);
      expect(m.msPerImage).toBeGreaterThan(0);
    }
    // Seeded noise: the sampled decoders repeat exactly.
    const again = await evaluateDecoders({
      bundleDir: TINY_LIMNER,
      gtDir,
      vaeEncoder: encoder,
      limit: 1,
      providers: ["cpu"],
      threads: 1,
    });
    expect(again.perImage[0]?.psnrDb).toEqual({
      vae: results.perImage[0]?.psnrDb.vae,
      consistency: results.perImage[0]?.psnrDb.consistency,
    });
  });
});

describe("numeric helpers", () => {
  it("psnr is on the 8-bit scale after clamping, floored like training/image/vae.py", () => {
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

  it("Euler over Karras σs takes N evaluations from σ_max to σ_min and lands on D's target", async () => {
    const target = Float32Array.from([0.5, -0.25, 1]);
    const sigmas: number[] = [];
    const out = await sampleEulerKarras(
      async (_x, sigma) => {
        sigmas.push(sigma);
        return target.slice();
      },
      Float32Array.from([1, -2, 0.3]),
      5,
    );
    expect(sigmas).toHaveLength(5);
    expect(sigmas[0]).toBeCloseTo(80, 10);
    expect(sigmas[4]).toBeCloseTo(0.002, 10);
    expect(sigmas.every((s, i) => i === 0 || s < (sigmas[i - 1] ?? 0))).toBe(true);
    // For the exact denoiser of a point mass, each step is x ← y + (σ_{i+1}/σ_i)(x − y): σ = 0 gives y.
    for (let i = 0; i < target.length; i++) expect(out[i]).toBeCloseTo(target[i] ?? 0, 5);
  });
});

/**
 * A valid ONNX file, written here because no fixture has a VAE encoder: `latents = Conv(image,
 * W, strides 8)` with W [4, 3, 8, 8] = 1/192 (the 8×8 patch mean of the three channels), ONNX's
 * protobuf encoded by hand (onnx.proto field numbers).
 */
function patchEncoderOnnx(): Buffer {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    let v = n;
    while (v > 127) {
      out.push((v & 127) | 128);
      v = Math.floor(v / 128);
    }
    out.push(v);
    return out;
  };
  const key = (field: number, wire: number) => varint(field * 8 + wire);
  const int = (field: number, value: number) => [...key(field, 0), ...varint(value)];
  const bytes = (field: number, value: Uint8Array | number[]) => [
    ...key(field, 2),
    ...varint(value.length),
    ...value,
  ];
  const str = (field: number, value: string) => bytes(field, [...Buffer.from(value)]);
  const dim = (d: number | string) => bytes(1, typeof d === "number" ? int(1, d) : str(2, d)); // Dimension: dim_value | dim_param
  const valueInfo = (name: string, dims: (number | string)[]) =>
    // ValueInfoProto{name, type: TypeProto{tensor_type: {elem_type FLOAT, shape}}}
    [...str(1, name), ...bytes(2, bytes(1, [...int(1, 1), ...bytes(2, dims.flatMap(dim))]))];
  const weight = new Float32Array(4 * 3 * 8 * 8).fill(1 / 192);
  const initializer = [
    ...[4, 3, 8, 8].flatMap((d) => int(1, d)),
    ...int(2, 1), // FLOAT
    ...str(8, "W"),
    ...bytes(9, new Uint8Array(weight.buffer)),
  ];
  const strides = [...str(1, "strides"), ...int(8, 8), ...int(8, 8), ...int(20, 7)]; // INTS
  const node = [...str(1, "image"), ...str(1, "W"), ...str(2, "latents"), ...str(4, "Conv")];
  const graph = [
    ...bytes(1, [...node, ...bytes(5, strides)]),
    ...str(2, "patch_encoder"),
    ...bytes(5, initializer),
    ...bytes(11, valueInfo("image", ["batch", 3, "height", "width"])),
    ...bytes(12, valueInfo("latents", ["batch", 4, "h", "w"])),
  ];
  const model = [...int(1, 8), ...bytes(8, [...str(1, ""), ...int(2, 17)]), ...bytes(7, graph)];
  return Buffer.from(model);
}
