import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { discoverModels, readBundles } from "../../src/models/model-discovery";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const tinyLimner = (id: string): unknown => ({
  ...JSON.parse(readFileSync(join(FIXTURES, "tiny-limner", "model.json"), "utf8")),
  id,
});

function modelsDir(manifests: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "limner-models-"));
  for (const [folder, manifest] of Object.entries(manifests)) {
    mkdirSync(join(dir, folder));
    const text = typeof manifest === "string" ? manifest : JSON.stringify(manifest);
    writeFileSync(join(dir, folder, "model.json"), text);
  }
  return dir;
}

const manifest = (id: string, kinds: string[]) => ({
  id,
  version: "1.0.0",
  description: `${id} test model`,
  components: Object.fromEntries(kinds.map((kind) => [kind, { kind, file: `${kind}.onnx` }])),
});

describe("discoverModels", () => {
  it("lists every bundle with capabilities derived from its components, sorted by id", () => {
    const dir = modelsDir({
      b: manifest("zeta", ["captioner-image-encoder", "judge"]),
      a: tinyLimner("alpha"),
    });
    mkdirSync(join(dir, "not-a-model"));
    const models = discoverModels(dir).map((b) => b.info);
    expect(models.map((m) => m.id)).toEqual(["alpha", "zeta"]);
    expect(models[0]).toMatchObject({ capabilities: ["generate", "upsample", "edit"] });
    expect(models[1]).toMatchObject({ capabilities: ["caption", "score"], version: "1.0.0" });
    expect(models[0]?.buckets.map((b) => b.name)).toEqual(["square", "landscape", "portrait"]);
    expect(models[0]?.created).toBeGreaterThan(1_700_000_000);
  });

  it("is empty when the folder does not exist", () => {
    expect(discoverModels(join(tmpdir(), "limner-no-such-dir"))).toEqual([]);
  });

  it("names the file and the field of a bad manifest", () => {
    const dir = modelsDir({
      broken: { id: "Not A Slug", version: "1", description: "", components: {} },
    });
    expect(() => discoverModels(dir)).toThrow(/broken\/model\.json[\s\S]*id/);
  });

  it("refuses a denoiser without the rest of the generation contract, naming the file", () => {
    const dir = modelsDir({
      half: { ...manifest("half", []), components: { unet: { kind: "denoiser", file: "d.onnx" } } },
    });
    expect(() => discoverModels(dir)).toThrow(
      /half\/model\.json[\s\S]*incomplete generation contract[\s\S]*text_encoder/,
    );
  });

  it("names the file of unparseable JSON", () => {
    const dir = modelsDir({ bad: "{ nope" });
    expect(() => discoverModels(dir)).toThrow(/Cannot read .*bad\/model\.json/);
  });

  it("refuses two bundles with one id", () => {
    const dir = modelsDir({ one: manifest("same", []), two: manifest("same", []) });
    expect(() => discoverModels(dir)).toThrow(/share the id "same"/);
  });
});

describe("readBundles", () => {
  it("reads exactly the folders named, in their order, limner or diffusers", () => {
    const dir = modelsDir({ b: manifest("zeta", ["judge"]) });
    const bundles = readBundles([join(dir, "b"), join(FIXTURES, "tiny-sd")]);
    expect(bundles.map((b) => [b.info.id, b.kind])).toEqual([
      ["zeta", "limner"],
      ["tiny-sd", "diffusers"],
    ]);
  });

  it("refuses a folder without a bundle, and two bundles with one id", () => {
    expect(() => readBundles([FIXTURES])).toThrow(/holds no model bundle/);
    const dir = modelsDir({ one: manifest("same", []), two: manifest("same", []) });
    expect(() => readBundles([join(dir, "one"), join(dir, "two")])).toThrow(/share the id "same"/);
  });
});

describe("discoverModels on a diffusers export", () => {
  it("reads the tiny Optimum fixture as a generate-capable model with 1:1, 7:4 and 4:7 buckets", () => {
    const bundle = discoverModels(FIXTURES).find((b) => b.info.id === "tiny-sd");
    expect(bundle?.kind).toBe("diffusers");
    expect(bundle?.info).toMatchObject({
      id: "tiny-sd",
      capabilities: ["generate"],
      buckets: [
        { name: "square", width: 64, height: 64 },
        { name: "landscape", width: 112, height: 64 },
        { name: "portrait", width: 64, height: 112 },
      ],
    });
  });
});
