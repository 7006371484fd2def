/**
 * The image model card's prompt-following harness (`eval/`) on the random-weights tiny-limner
 * bundle, served by a real in-process runtime (real ONNX sessions, real worker threads): result
 * structure, one 0/1 outcome per image, several seeded images per prompt, intervals around
 * every score, the upsampling gains, reproducibility and the suite file's validation.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CATEGORIES, type Estimate, VARIANTS } from "@limner/contracts/eval";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateSuite, type SuiteResults } from "../eval/evaluate-suite";
import { type HostedBundle, hostBundle } from "../eval/runtime-host";
import { readSuite } from "../eval/suite-file";
import { SUITE_ITEMS } from "./eval-suite-fixture";

const TINY_LIMNER = fileURLToPath(new URL("./fixtures/tiny-limner", import.meta.url));
const LIMNER_MINI = fileURLToPath(new URL("../models/limner-mini", import.meta.url));
const HOST = { providers: "cpu", threads: 1, log: () => {} };
const IMAGES = 2;

let generator: HostedBundle;
let scorer: HostedBundle;
let dir: string;
let results: SuiteResults;
const lines: string[] = [];
const partials: SuiteResults[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "limner-eval-image-"));
  generator = await hostBundle(TINY_LIMNER, HOST);
  // tiny-limner has no contrastive towers; the committed limner-mini captioner scores similarity.
  scorer = await hostBundle(LIMNER_MINI, HOST);
  const path = join(dir, "suite.json");
  writeFileSync(path, JSON.stringify({ images: IMAGES, items: SUITE_ITEMS }));
  const suite = readSuite(path);
  results = await evaluateSuite({
    generator,
    scorer,
    items: suite.items,
    imagesPerPrompt: suite.imagesPerPrompt,
    bootstrap: { resamples: 200 },
    log: (line) => lines.push(line),
    progressEvery: 7,
    onProgress: async (partial) => {
      partials.push(partial);
    },
  });
}, 120_000);
afterAll(async () => {
  await generator?.close();
  await scorer?.close();
});

const inUnit = (v: number | null) => v === null || (v >= 0 && v <= 1);
const bracketed = (e: Estimate) =>
  e.mean !== null && e.low !== null && e.high !== null && e.low <= e.mean && e.mean <= e.high;

describe("evaluateSuite", () => {
  it("generates every prompt × variant with several seeds and judges each image", () => {
    expect(results).toMatchObject({
      model: "tiny-limner",
      scorerModel: "limner-mini",
      imagesPerPrompt: IMAGES,
      intervals: { method: "bootstrap over prompts, percentile", resamples: 200, seed: 0 },
    });
    expect(results.generation).toEqual({
      steps: 4,
      guidanceScale: 4,
      decoder: "consistency",
      scheduler: "euler",
    });
    expect(results.items).toHaveLength(SUITE_ITEMS.length * VARIANTS.length);
    for (const r of results.items) {
      const item = SUITE_ITEMS.find((i) => i.id === r.id);
      expect(r.images.map((i) => [i.seed, i.index])).toEqual([
        [item?.seed, 0],
        [item?.seed, 1],
      ]);
      expect(r.objects).toBe(item?.expected_descriptive.objects.length);
      expect(r.prompt).toBe(r.variant.startsWith("descriptive") ? item?.descriptive : item?.short);
      if (!r.variant.endsWith("+upsample")) expect(r.generationPrompt).toBe(r.prompt);
      expect(r.ms.generate).toBeGreaterThan(0);
      for (const image of r.images) {
        // Every category's check applies to its own prompts, short and descriptive.
        expect([0, 1]).toContain(image.outcome);
        expect(Object.values(image.scores).every(inUnit)).toBe(true);
        expect(image.similarity).toBeGreaterThanOrEqual(-1);
        expect(image.similarity).toBeLessThanOrEqual(1);
      }
    }
  });

  it("summarises each variant with an interval around every score", () => {
    const present = new Set(SUITE_ITEMS.map((i) => i.category));
    for (const variant of VARIANTS) {
      const s = results.summary[variant];
      expect(s).toMatchObject({ prompts: SUITE_ITEMS.length, images: SUITE_ITEMS.length * IMAGES });
      expect(s?.msPerImage).toBeGreaterThan(0);
      expect(s?.msPerUpsample === null).toBe(!variant.endsWith("+upsample"));
      for (const c of CATEGORIES) {
        const e = s?.categories[c];
        if (present.has(c)) {
          expect(e).toMatchObject({ prompts: 1, images: IMAGES });
          expect(e && bracketed(e) && inUnit(e.mean)).toBe(true);
        } else {
          expect(e).toEqual({ mean: null, low: null, high: null, prompts: 0, images: 0 });
        }
      }
      // The mean of the categories that were run, each weighing the same.
      const means = [...present].map((c) => s?.categories[c].mean ?? 0);
      expect(s?.overall.mean).toBeCloseTo(means.reduce((a, b) => a + b, 0) / means.length, 12);
      expect(s && bracketed(s.overall) && bracketed(s.similarity)).toBe(true);
      // Objects read on the 2-object scenes (colour, background, size).
      expect(s?.objectsRead).toMatchObject({ prompts: 3, images: 3 * IMAGES });
    }
  });

  it("gives upsampling's gain as a paired difference on the same prompts", () => {
    expect(results.gains.map((g) => [g.variant, g.baseline])).toEqual([
      ["short+upsample", "short"],
      ["descriptive+upsample", "descriptive"],
    ]);
    for (const gain of results.gains) {
      const a = results.summary[gain.variant]?.overall.mean ?? Number.NaN;
      const b = results.summary[gain.baseline]?.overall.mean ?? Number.NaN;
      expect(gain.overall.mean).toBeCloseTo(a - b, 12);
      expect(bracketed(gain.overall)).toBe(true);
      expect(gain.categories.colour.prompts).toBe(1);
    }
  });

  it("reports progress with partial results that carry means only", () => {
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toContain("20/20 prompts");
    expect(partials.length).toBe(lines.length);
    const first = partials[0]?.summary.short;
    expect(first?.overall.mean).not.toBeNull();
    expect(first?.overall.low).toBeNull();
    expect(partials[0]?.intervals.resamples).toBe(0);
  });

  it("is seeded: the same prompt and variant reads back the same scenes", async () => {
    const again = await evaluateSuite({
      generator,
      items: SUITE_ITEMS.slice(0, 1),
      imagesPerPrompt: IMAGES,
      variants: ["short"],
    });
    const first = results.items.find((r) => r.id === "colour-000" && r.variant === "short");
    expect(again.items[0]?.images.map((i) => i.sceneGraph)).toEqual(
      first?.images.map((i) => i.sceneGraph),
    );
    expect(again.scorerModel).toBe("tiny-limner");
    expect(again.items[0]?.images[0]?.similarity).toBeNull();
  });

  it("honours steps and decoder overrides", async () => {
    const overridden = await evaluateSuite({
      generator,
      items: SUITE_ITEMS.slice(0, 1),
      variants: ["short"],
      settings: { steps: 2, decoder: "vae" },
    });
    expect(overridden.generation).toMatchObject({ steps: 2, decoder: "vae" });
    expect(overridden.settings).toEqual({ steps: 2, decoder: "vae" });
    expect(overridden.items[0]?.images).toHaveLength(1);
  });
});

describe("readSuite", () => {
  it("interleaves the categories, so a limit covers each", () => {
    const path = join(dir, "order.json");
    const [colour, counting] = SUITE_ITEMS;
    writeFileSync(
      path,
      JSON.stringify({ items: [colour, { ...colour, id: "colour-001" }, counting] }),
    );
    const suite = readSuite(path);
    expect(suite.items.map((i) => i.id)).toEqual(["colour-000", "counting-000", "colour-001"]);
    // Suites before version 2 had one image per prompt.
    expect(suite.imagesPerPrompt).toBe(1);
  });

  it("rejects a suite that does not match the schema", () => {
    const path = join(dir, "bad.json");
    const bad = { ...SUITE_ITEMS[0], category: "style", seed: -1 };
    writeFileSync(path, JSON.stringify({ images: 2, items: [bad] }));
    expect(() => readSuite(path)).toThrow(/category[\s\S]*seed|seed[\s\S]*category/);
    writeFileSync(path, JSON.stringify({ images: 5, items: SUITE_ITEMS }));
    expect(() => readSuite(path)).toThrow(/images/);
  });
});
