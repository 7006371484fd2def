/**
 * eval/caption-eval.ts on a small dump of fresh scenes (Python renders them) with the committed
 * limner-mini: the results format `training.captioner.score_onnx` reads, captions equal to the
 * runtime pipeline's, and the ungrounded ablation on the same sessions.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateCaptions } from "../eval/caption-eval";
import { InferencePool } from "../src/backend/inference-pool";
import { type LimnerBundle, loadBundle } from "../src/models/load-bundle";

const GPU_RUNTIME = resolve(import.meta.dirname, "..");
const BUNDLE = join(GPU_RUNTIME, "models", "limner-mini");

let pool: InferencePool;
let bundle: LimnerBundle;
let data: string;

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), "limner-caption-eval-"));
  const args = ["-m", "training.captioner.dump", "--seed", "2026", "--split", "fresh"];
  args.push("--count", "4", "--out", data);
  const dump = spawnSync("/usr/bin/python3", args, {
    cwd: resolve(GPU_RUNTIME, ".."),
    encoding: "utf8",
  });
  if (dump.status !== 0) throw new Error(`dump failed: ${dump.stderr}`);
  pool = await InferencePool.start({ workers: 1, executionProviders: ["cpu"], intraOpThreads: 1 });
  bundle = await loadBundle(BUNDLE, { pool });
}, 60_000);

afterAll(async () => {
  await bundle?.dispose();
  await pool?.close();
});

describe("evaluateCaptions", { timeout: 120_000 }, () => {
  it("captions every image in both modes and retrieves within batches", async () => {
    const out = await evaluateCaptions({
      bundle,
      pool,
      dataDir: data,
      modes: ["short", "descriptive"],
      countGrounding: true,
      batchSize: 2,
    });
    expect(out.summary).toMatchObject({
      images: 4,
      batch_size: 2,
      onnxruntime_node: "onnxruntime-node",
    });
    expect(out.summary.retrieval_top1_in_batch).toBeGreaterThanOrEqual(0.5);
    expect(out.summary.mean_cosine_matched).toBeGreaterThan(out.summary.mean_cosine_unmatched ?? 1);
    const index: { id: string; file: string; width: number; height: number; bucket: string }[] =
      JSON.parse(readFileSync(join(data, "index.json"), "utf8"));
    expect(out.results.map((r) => r.id).sort()).toEqual(index.map((e) => e.id).sort());
    const first = index.find((e) => e.id === out.results[0]?.id);
    if (!first || !bundle.imageToText) throw new Error("no first image or captioner");
    const bytes = readFileSync(join(data, first.file));
    const pixels = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    const bucket = { name: first.bucket, width: first.width, height: first.height };
    expect(out.results[0]?.descriptive).toBe(
      await bundle.imageToText.caption(pixels, bucket, { detail: "descriptive", beams: 1 }),
    );
  });

  it("writes only the modes asked for; the ablation leaves out count grounding", async () => {
    const out = await evaluateCaptions({
      bundle,
      pool,
      dataDir: data,
      modes: ["descriptive"],
      countGrounding: false,
      batchSize: 32,
    });
    for (const result of out.results)
      expect(Object.keys(result).sort()).toEqual(["descriptive", "id"]);
  });
});
