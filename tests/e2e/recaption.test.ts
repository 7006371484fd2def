/**
 * `limner recaption`, the report's data step, against a real stack with limner-mini's
 * captioners: 200 generated images, the command killed (SIGKILL) halfway and run again, ends
 * with exactly one row per image; `--shard 0/2` and `1/2` together cover a JSONL dataset
 * exactly once.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "./test-stack";

const CLI = join(import.meta.dirname, "../../packages/cli/bin/limner.js");
const IMAGES = 200;
let stack: TestStack;
let work: string;
let folder: string;

beforeAll(async () => {
  stack = await startTestStack(["limner-mini"], {
    // 200 images are 400 caption requests in a minute or two: above the default per-key limit.
    edgeVars: { LIMNER_DEFAULT_MODEL: "limner-mini", LIMIT_REQUESTS_PER_MINUTE: "100000" },
  });
  work = mkdtempSync(join(tmpdir(), "limner-recaption-"));
  folder = join(work, "images");
  mkdirSync(folder);
  // Distinct small images: a coloured square on a coloured background, varied per index.
  for (let i = 0; i < IMAGES; i++) {
    const square = await sharp({
      create: {
        width: 24,
        height: 24,
        channels: 3,
        background: { r: (i * 53) % 256, g: 40, b: 200 },
      },
    })
      .png()
      .toBuffer();
    const png = await sharp({
      create: {
        width: 64,
        height: 64,
        channels: 3,
        background: { r: 240, g: (i * 31) % 256, b: 30 },
      },
    })
      .composite([{ input: square, left: (i * 7) % 40, top: (i * 11) % 40 }])
      .png()
      .toBuffer();
    writeFileSync(join(folder, `img-${String(i).padStart(3, "0")}.png`), png);
  }
});

afterAll(async () => {
  await stack?.stop();
});

const env = () => ({
  PATH: process.env.PATH ?? "",
  LIMNER_BASE_URL: `${stack.edgeUrl}/v1`,
  LIMNER_API_KEY: stack.apiKey,
});

function limner(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: env() }, (error, _stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stderr });
    });
  });
}

function completeRows(path: string): {
  image: string;
  caption: string;
  caption_source: string;
  alt_text: string | null;
  descriptive_caption: string;
}[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  return text
    .slice(0, text.lastIndexOf("\n") + 1)
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

describe("limner recaption", () => {
  // 400 captions on a shared 2-core machine take minutes.
  it("resumes after a kill and ends with exactly one row per image", {
    timeout: 900_000,
  }, async () => {
    const manifest = join(work, "manifest.jsonl");
    const child: ChildProcess = spawn(
      process.execPath,
      [CLI, "recaption", folder, "--out", manifest, "--concurrency", "4"],
      { env: env(), stdio: "ignore" },
    );
    const exited = new Promise((resolve) => child.once("exit", resolve));
    while (completeRows(manifest).length < IMAGES / 2) {
      if (child.exitCode !== null) throw new Error(`recaption exited early (${child.exitCode})`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    await exited;
    const beforeResume = completeRows(manifest).length;
    expect(beforeResume).toBeGreaterThanOrEqual(IMAGES / 2);
    expect(beforeResume).toBeLessThan(IMAGES);

    const resumed = await limner(["recaption", folder, "--out", manifest]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(
      `${IMAGES} images in shard 0/1, ${beforeResume} already in ${manifest}, ${IMAGES - beforeResume} to caption.`,
    );
    const rows = completeRows(manifest);
    expect(rows).toHaveLength(IMAGES);
    expect(readFileSync(manifest, "utf8").endsWith("\n")).toBe(true);
    const images = rows.map((r) => r.image);
    expect(new Set(images).size).toBe(IMAGES);
    expect(images.sort()).toEqual(
      Array.from({ length: IMAGES }, (_, i) => `img-${String(i).padStart(3, "0")}.png`),
    );
    // The 95 % blend: most rows train on the descriptive caption, each pick consistent.
    const descriptive = rows.filter((r) => r.caption_source === "descriptive");
    expect(descriptive.length / IMAGES).toBeGreaterThan(0.85);
    for (const row of descriptive) expect(row.caption).toBe(row.descriptive_caption);

    const again = await limner(["recaption", folder, "--out", manifest]);
    expect(again.stderr).toContain("0 to caption");
    expect(completeRows(manifest)).toHaveLength(IMAGES);
  });

  it("splits a JSONL dataset between --shard 0/2 and 1/2 exactly", {
    timeout: 300_000,
  }, async () => {
    const dataset = join(work, "dataset.jsonl");
    const names = Array.from(
      { length: 30 },
      (_, i) => `images/img-${String(i).padStart(3, "0")}.png`,
    );
    writeFileSync(
      dataset,
      names.map((image, i) => JSON.stringify({ image, alt_text: `alt ${i}` })).join("\n"),
    );
    const outs = [join(work, "shard-0.jsonl"), join(work, "shard-1.jsonl")];
    const runs = await Promise.all(
      outs.map((out, i) =>
        limner(["recaption", dataset, "--out", out, "--shard", `${i}/2`, "--blend", "0.5"]),
      ),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const [a, b] = outs.map(completeRows);
    expect(a?.length).toBe(15);
    expect(b?.length).toBe(15);
    const all = [...(a ?? []), ...(b ?? [])];
    expect(new Set(all.map((r) => r.image)).size).toBe(30);
    expect(all.map((r) => r.image).sort()).toEqual(names);
    const original = all.filter((r) => r.caption_source === "original");
    expect(original.length).toBeGreaterThan(0);
    for (const row of original) expect(row.caption).toBe(row.alt_text);
  });
});
