/**
 * The committed limner-mini captioner, run the way the runtime will run it: onnxruntime-node
 * sessions opened from `models/limner-mini/model.json`, greedy descriptive decoding driven by
 * the manifest's decoding block, the committed tokenizer.json for ids <-> words.
 * Python renders fresh scenes (a world seed and stream never used in training) and dumps
 * their preprocessed tensors plus ground truth; the captions must name every object.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const GPU_RUNTIME = resolve(import.meta.dirname, "..");
const BUNDLE = join(GPU_RUNTIME, "models", "limner-mini");

const Manifest = z.object({
  tokenizer: z.string(),
  components: z.object({
    captioner_image_encoder: z.object({ file: z.string() }),
    captioner_text_decoder: z.object({
      file: z.string(),
      decoding: z.object({
        bos_id: z.int(),
        eos_id: z.int(),
        modes: z.object({ descriptive: z.object({ id: z.int(), max_new_tokens: z.int() }) }),
      }),
    }),
  }),
});
const TokenizerJson = z.object({ model: z.object({ vocab: z.record(z.string(), z.int()) }) });
const Dump = z.array(
  z.object({
    id: z.string(),
    width: z.int(),
    height: z.int(),
    file: z.string(),
    scene: z.object({ objects: z.array(z.object({ colour: z.string(), shape: z.string() })) }),
  }),
);

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));

/** Fresh scenes of one or two objects: world seed 2026, "fresh" stream (training uses seed 0, "labelled"). */
function dumpFreshScenes(count: number) {
  const out = mkdtempSync(join(tmpdir(), "limner-captioner-"));
  const args = ["-m", "training.captioner.dump", "--seed", "2026", "--split", "fresh"];
  args.push("--count", String(count), "--max-objects", "2", "--out", out);
  const run = spawnSync("/usr/bin/python3", args, { cwd: GPU_RUNTIME, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`dump failed: ${run.stderr}`);
  return { dir: out, entries: Dump.parse(readJson(join(out, "index.json"))) };
}

async function captionDescriptive(
  pixels: Float32Array,
  width: number,
  height: number,
): Promise<string> {
  const manifest = Manifest.parse(readJson(join(BUNDLE, "model.json")));
  const vocab = TokenizerJson.parse(readJson(join(BUNDLE, manifest.tokenizer))).model.vocab;
  const words = new Map(Object.entries(vocab).map(([word, id]) => [id, word]));
  const { captioner_image_encoder: enc, captioner_text_decoder: dec } = manifest.components;
  const encoder = await ort.InferenceSession.create(join(BUNDLE, enc.file));
  const decoder = await ort.InferenceSession.create(join(BUNDLE, dec.file));
  try {
    const encoded = await encoder.run({
      pixels: new ort.Tensor("float32", pixels, [1, 3, height, width]),
    });
    const imageTokens = encoded.image_tokens;
    if (!imageTokens) throw new Error("encoder returned no image_tokens");
    const { bos_id, eos_id, modes } = dec.decoding;
    const ids = [bos_id, modes.descriptive.id];
    for (let step = 0; step < modes.descriptive.max_new_tokens; step++) {
      const input = new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, ids.length]);
      const { logits } = await decoder.run({ image_tokens: imageTokens, input_ids: input });
      if (!logits) throw new Error("decoder returned no logits");
      const data = logits.data;
      if (!(data instanceof Float32Array)) throw new Error("logits are not float32");
      const vocabSize = logits.dims[2] ?? 0;
      const last = data.subarray((ids.length - 1) * vocabSize, ids.length * vocabSize);
      const next = last.indexOf(Math.max(...last));
      if (next === eos_id) break;
      ids.push(next);
    }
    return ids
      .slice(2)
      .map((id) => words.get(id) ?? "[UNK]")
      .join(" ");
  } finally {
    await encoder.release();
    await decoder.release();
  }
}

/** True when some object sentence (not a relation between two objects) names colour and shape. */
function names(caption: string, colour: string, shape: string): boolean {
  return caption
    .split(".")
    .filter((s) => !/\b(of|above|below)\b/.test(s))
    .some((s) => new RegExp(`\\b${colour}\\b`).test(s) && new RegExp(`\\b${shape}\\b`).test(s));
}

describe("limner-mini captioner (ONNX)", () => {
  it("describes every object of fresh scenes with its colour and shape", {
    timeout: 60_000,
  }, async () => {
    const { dir, entries } = dumpFreshScenes(5);
    let exact = 0;
    const report: string[] = [];
    for (const entry of entries) {
      const buf = readFileSync(join(dir, entry.file));
      const pixels = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      expect(pixels.length).toBe(3 * entry.width * entry.height);
      const caption = await captionDescriptive(pixels, entry.width, entry.height);
      const ok = entry.scene.objects.every((o) => names(caption, o.colour, o.shape));
      exact += ok ? 1 : 0;
      report.push(`${ok ? "ok " : "BAD"} ${entry.id}: ${caption}`);
    }
    // The card's target is >= 95 % of objects right; allow one miss in five scenes.
    expect(exact, report.join("\n")).toBeGreaterThanOrEqual(4);
  });
});
