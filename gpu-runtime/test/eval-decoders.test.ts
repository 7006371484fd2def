/**
 * The evaluation's ground-truth comparisons on tiny-limner with a stand-in VAE encoder: the
 * decoders by PSNR (the teacher sampled by the runtime's Euler scheduler), and the judge's cap,
 * reading each suite item's render and its VAE round trip through the runtime's `score`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Expectation, SuiteItem } from "@limner/contracts/eval";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateDecoders, sampleEulerKarras } from "../eval/decoders";
import { CAP_IMAGES, evaluateJudgeCap } from "../eval/judge-cap";
import { type HostedBundle, hostBundle } from "../eval/runtime-host";
import { patchEncoderOnnx } from "./eval-patch-encoder";
import { SUITE_ITEMS } from "./eval-suite-fixture";

const TINY_LIMNER = fileURLToPath(new URL("./fixtures/tiny-limner", import.meta.url));
const SESSIONS = { bundleDir: TINY_LIMNER, providers: ["cpu"], threads: 1 };

let dir: string;
let encoder: string;

async function writePng(path: string, width: number, height: number, paint: (i: number) => number) {
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = paint(i);
  await sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(path);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "limner-eval-decoders-"));
  encoder = join(dir, "vae_encoder.onnx");
  writeFileSync(encoder, patchEncoderOnnx());
});

describe("evaluateDecoders", () => {
  it("compares the VAE, consistency and teacher decoders on ground-truth images", async () => {
    const gtDir = join(dir, "gt");
    mkdirSync(gtDir);
    await writePng(join(gtDir, "a-square.png"), 64, 64, (i) => (i * 37) % 256);
    await writePng(join(gtDir, "b-landscape.png"), 112, 64, (i) => (i * 37) % 256);
    const results = await evaluateDecoders({
      ...SESSIONS,
      gtDir,
      vaeEncoder: encoder,
      // tiny-limner's consistency decoder has the teacher's contract: (sample, sigma, latents) → denoised.
      teacher: join(TINY_LIMNER, "consistency_decoder.onnx"),
      teacherSteps: 3,
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
    const again = await evaluateDecoders({ ...SESSIONS, gtDir, vaeEncoder: encoder, limit: 1 });
    expect(again.perImage[0]?.psnrDb).toEqual({
      vae: results.perImage[0]?.psnrDb.vae,
      consistency: results.perImage[0]?.psnrDb.consistency,
    });
  });
});

describe("sampleEulerKarras", () => {
  it("takes N evaluations from σ_max to σ_min over Karras σs and lands on D's target", async () => {
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
    expect(sigmas[0]).toBeCloseTo(80, 5);
    expect(sigmas[4]).toBeCloseTo(0.002, 8);
    expect(sigmas.every((s, i) => i === 0 || s < (sigmas[i - 1] ?? 0))).toBe(true);
    // For the exact denoiser of a point mass, each step is x ← y + (σ_{i+1}/σ_i)(x − y): σ = 0 gives y.
    for (let i = 0; i < target.length; i++) expect(out[i]).toBeCloseTo(target[i] ?? 0, 5);
  });
});

describe("evaluateJudgeCap", () => {
  let scorer: HostedBundle;
  beforeAll(async () => {
    scorer = await hostBundle(TINY_LIMNER, { providers: "cpu", threads: 1, log: () => {} });
  });
  afterAll(async () => {
    await scorer?.close();
  });

  it("judges every item's render and its VAE round trip against both prompts", async () => {
    const rendersDir = join(dir, "renders");
    mkdirSync(rendersDir);
    const square: Expectation = {
      objects: [{ shape: "square", colour: "red" }],
      shapeCounts: {},
      relations: [],
    };
    const items = [
      ...SUITE_ITEMS,
      {
        ...SUITE_ITEMS[4],
        id: "single-001",
        category: "single",
        bucket: "square",
        seed: 12,
        short: "a red square",
        descriptive: "a red square is at the top left .",
        expected_short: square,
        expected_descriptive: square,
      } satisfies SuiteItem,
    ];
    // A red square on white, flat like the world's renders.
    for (const item of items) {
      const [w, h] =
        { square: [64, 64], landscape: [112, 64], portrait: [64, 112] }[item.bucket] ?? [];
      await writePng(join(rendersDir, `${item.id}.png`), w ?? 64, h ?? 64, (i) => {
        const p = Math.floor(i / 3);
        const [x, y] = [p % (w ?? 64), Math.floor(p / (w ?? 64))];
        const inside = x >= 16 && x < 40 && y >= 16 && y < 40;
        return inside ? ([220, 30, 30][i % 3] ?? 0) : 250;
      });
    }
    const cap = await evaluateJudgeCap({
      ...SESSIONS,
      vaeEncoder: encoder,
      rendersDir,
      items,
      scorer,
      bootstrap: { resamples: 100 },
    });
    expect(cap.images).toBe(items.length);
    expect(cap.perItem.map((p) => p.id)).toEqual(items.map((i) => i.id));
    for (const p of cap.perItem) {
      for (const kind of CAP_IMAGES) {
        expect([0, 1]).toContain(p.outcomes[kind].short);
        expect([0, 1]).toContain(p.outcomes[kind].descriptive);
      }
    }
    // The renders hold one red square: the judge reads it, so only the prompt asking for it passes.
    const passed = cap.perItem.filter((p) => p.outcomes.render.short === 1).map((p) => p.id);
    expect(passed).toEqual(["single-001"]);
    for (const kind of CAP_IMAGES) {
      const row = cap.rows[kind].short;
      expect(row.overall).toMatchObject({ prompts: items.length, images: items.length });
      expect(row.categories.single).toMatchObject({ prompts: 2, images: 2 });
      expect(row.categories.texture).toMatchObject({ prompts: 0, mean: null });
    }
    expect(cap.rows.render.short.categories.single.mean).toBe(0.5);
    expect(cap.rows.render.short.categories.colour).toMatchObject({ mean: 0, low: 0, high: 0 });
  });
});
