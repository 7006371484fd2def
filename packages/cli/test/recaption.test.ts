/** The recaption helpers on real files in a temporary folder. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { uniform, usesDescriptive } from "../src/recaption/blend";
import { parseShard, shardOf } from "../src/recaption/dataset";
import { type ManifestRow, ManifestWriter, resumeManifest } from "../src/recaption/manifest";

const row = (image: string): ManifestRow => ({
  image,
  alt_text: null,
  short_caption: "a red square",
  descriptive_caption: "A red square on a white background.",
  caption: "A red square on a white background.",
  caption_source: "descriptive",
  model: "limner-mini",
});

describe("manifest", () => {
  it("appends whole rows and, on resume, cuts a torn last line", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "limner-manifest-")), "m.jsonl");
    const writer = await ManifestWriter.open(path);
    await Promise.all(["a.png", "b.png", "c.png"].map((image) => writer.append(row(image))));
    await writer.close();
    writeFileSync(path, `${readFileSync(path, "utf8")}{"image":"d.png","alt_te`);
    const rows = await resumeManifest(path);
    expect(rows.map((r) => r.image).sort()).toEqual(["a.png", "b.png", "c.png"]);
    expect(readFileSync(path, "utf8").endsWith("}\n")).toBe(true);
    expect(await resumeManifest(join(tmpdir(), "no-such-manifest.jsonl"))).toEqual([]);
  });
});

describe("shards", () => {
  it("cover every item exactly once", () => {
    const items = Array.from({ length: 11 }, (_, i) => i);
    const shards = [0, 1, 2].map((index) => shardOf(items, { index, count: 3 }));
    expect(shards.flat().sort((a, b) => a - b)).toEqual(items);
    expect(parseShard("1/3")).toEqual({ index: 1, count: 3 });
    for (const bad of ["3/3", "1", "-1/2", "a/b", "0/0"]) expect(() => parseShard(bad)).toThrow();
  });
});

describe("blend", () => {
  it("is a deterministic per-image pick near the requested share", () => {
    expect(uniform(0, "x.png")).toBe(uniform(0, "x.png"));
    expect(uniform(0, "x.png")).not.toBe(uniform(1, "x.png"));
    const picks = Array.from({ length: 2000 }, (_, i) => usesDescriptive(0.95, 0, `${i}.png`));
    const share = picks.filter(Boolean).length / picks.length;
    expect(share).toBeGreaterThan(0.93);
    expect(share).toBeLessThan(0.97);
  });
});
