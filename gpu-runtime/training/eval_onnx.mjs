// Runs the exported limner-mini captioner with onnxruntime-node over a dump made by
// `python3 -m training.captioner.dump`: greedy short + descriptive (count-grounded) captions per image, and
// image-text retrieval with the contrastive towers. Python scores the output
// (training.captioner.score_onnx), so the model card's numbers come from the ONNX files.
//
// Run with tsx (it imports the runtime's decoding code):
//   npx tsx training/eval_onnx.mjs --bundle models/limner-mini --data DIR --out results.json \
//     [--modes short,descriptive] [--count-grounding off]   (off: the ablation in the model card)
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { argmax, logSoftmax } from "../src/pipelines/caption-decoding.ts";
import { groundCount } from "../src/pipelines/count-grounding.ts";

function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, "")] = argv[i + 1];
  return out;
}

function loadTokenizer(path) {
  const vocab = JSON.parse(readFileSync(path, "utf8")).model.vocab;
  const byId = [];
  for (const [token, id] of Object.entries(vocab)) byId[id] = token;
  const special = new Set(byId.filter((t) => /^\[[A-Z]+\]$/.test(t)));
  return {
    vocab,
    // Lowercase normaliser + Whitespace pre-tokenizer (\w+|[^\w\s]+), as in tokenizer.json.
    encode: (text) =>
      (text.toLowerCase().match(/\w+|[^\w\s]+/g) ?? []).map((w) => vocab[w] ?? vocab["[UNK]"]),
    decode: (ids) => {
      const words = [];
      for (const id of ids) {
        if (byId[id] === "[EOS]") break;
        if (!special.has(byId[id])) words.push(byId[id]);
      }
      return words.join(" ");
    },
  };
}

/** Rows of token ids, right-padded with [PAD]=0, as one int64 [rows, len] buffer. */
function packIds(rows, len) {
  const ids = new BigInt64Array(rows.length * len);
  for (let b = 0; b < rows.length; b++) {
    for (let j = 0; j < rows[b].length; j++) ids[b * len + j] = BigInt(rows[b][j]);
  }
  return ids;
}

async function greedy(decoder, imageTokens, counts, batch, decoding, mode, useGrounding) {
  const { bos_id: bos, eos_id: eos, pad_id: pad } = decoding;
  const { id: modeId, max_new_tokens: maxNew } = decoding.modes[mode];
  const grounding = useGrounding ? decoding.modes[mode].count_grounding : undefined;
  const rows = Array.from({ length: batch }, () => [bos, modeId]);
  const done = new Array(batch).fill(false);
  for (let step = 0; step < maxNew && done.some((d) => !d); step++) {
    const len = rows[0].length;
    const ids = packIds(rows, len);
    const out = await decoder.run({
      image_tokens: imageTokens,
      input_ids: new ort.Tensor("int64", ids, [batch, len]),
    });
    const logits = out.logits;
    const vocabSize = logits.dims[2];
    for (let b = 0; b < batch; b++) {
      let next = pad;
      if (!done[b]) {
        const end = (b * len + len) * vocabSize;
        const last = logits.data.subarray(end - vocabSize, end);
        // The runtime's own rule (src/pipelines/count-grounding.ts), so the card measures it.
        next = grounding
          ? argmax(
              groundCount(
                logSoftmax(last),
                rows[b].slice(2),
                grounding.number_ids,
                Number(counts[b]),
              ),
            )
          : argmax(last);
        if (next === eos) done[b] = true;
      }
      rows[b].push(next);
    }
  }
  return rows.map((r) => r.slice(2));
}

async function main() {
  const a = args();
  const manifest = JSON.parse(readFileSync(join(a.bundle, "model.json"), "utf8"));
  const tok = loadTokenizer(join(a.bundle, manifest.tokenizer));
  const c = manifest.components;
  const open = (name) =>
    ort.InferenceSession.create(join(a.bundle, c[name].file), { intraOpNumThreads: 2 });
  const [encoder, decoder, tower] = await Promise.all(
    ["captioner_image_encoder", "captioner_text_decoder", "captioner_text_tower"].map(open),
  );
  const entries = JSON.parse(readFileSync(join(a.data, "index.json"), "utf8"));
  const modes = (a.modes ?? "short,descriptive").split(",");
  const batchSize = Number(a.batch ?? 32);
  const results = [];
  let retrievalHits = 0;
  let matchedCos = 0;
  let otherCos = 0;
  let otherCount = 0;
  const started = Date.now();
  const groups = {};
  for (const e of entries) {
    groups[e.bucket] ??= [];
    groups[e.bucket].push(e);
  }
  for (const group of Object.values(groups)) {
    for (let s = 0; s < group.length; s += batchSize) {
      const chunk = group.slice(s, s + batchSize);
      const { width, height } = chunk[0];
      const plane = 3 * width * height;
      const pixels = new Float32Array(chunk.length * plane);
      chunk.forEach((e, i) => {
        const buf = readFileSync(join(a.data, e.file));
        pixels.set(new Float32Array(buf.buffer, buf.byteOffset, plane), i * plane);
      });
      const enc = await encoder.run({
        pixels: new ort.Tensor("float32", pixels, [chunk.length, 3, height, width]),
      });
      const captions = {};
      for (const mode of modes) {
        captions[mode] = (
          await greedy(
            decoder,
            enc.image_tokens,
            enc.object_count?.data,
            chunk.length,
            c.captioner_text_decoder.decoding,
            mode,
            a["count-grounding"] !== "off",
          )
        ).map(tok.decode);
      }
      // Contrastive towers: does each image retrieve its own ground-truth caption in the batch?
      const texts = chunk.map((e) => [
        tok.vocab["[BOS]"],
        ...tok.encode(e.descriptive),
        tok.vocab["[EOS]"],
      ]);
      const maxLen = Math.max(...texts.map((t) => t.length));
      const ids = packIds(texts, maxLen);
      const txt = (
        await tower.run({ input_ids: new ort.Tensor("int64", ids, [chunk.length, maxLen]) })
      ).text_embedding;
      const img = enc.image_embedding;
      const d = img.dims[1];
      for (let i = 0; i < chunk.length; i++) {
        let best = -Infinity;
        let arg = -1;
        for (let j = 0; j < chunk.length; j++) {
          let cos = 0;
          for (let k = 0; k < d; k++) cos += img.data[i * d + k] * txt.data[j * d + k];
          if (cos > best) {
            best = cos;
            arg = j;
          }
          if (i === j) matchedCos += cos;
          else {
            otherCos += cos;
            otherCount++;
          }
        }
        retrievalHits += arg === i ? 1 : 0;
        results.push({
          id: chunk[i].id,
          ...Object.fromEntries(modes.map((m) => [m, captions[m][i]])),
        });
      }
      process.stderr.write(`  onnx eval: ${results.length}/${entries.length}\n`);
    }
  }
  const summary = {
    images: entries.length,
    seconds: (Date.now() - started) / 1000,
    retrieval_top1_in_batch: retrievalHits / entries.length,
    batch_size: batchSize,
    mean_cosine_matched: matchedCos / entries.length,
    mean_cosine_unmatched: otherCount ? otherCos / otherCount : null,
    onnxruntime_node: "onnxruntime-node",
  };
  writeFileSync(a.out, `${JSON.stringify({ summary, results }, null, 1)}\n`);
  console.log(JSON.stringify(summary));
}

await main();
