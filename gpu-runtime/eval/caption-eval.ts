/**
 * Captions a dump made by `python3 -m training.captioner.dump` with a bundle's captioner as the
 * runtime serves it — `loadBundle` and the runtime's own pipelines on worker-thread ONNX
 * sessions — for the model card: greedy short and descriptive (count-grounded) captions per
 * image, and in-batch image–text retrieval with the contrastive towers. Python scores the
 * output (`training.captioner.score_onnx`), so the card's numbers come from the ONNX files.
 *
 * ```sh
 * cd gpu-runtime && npx tsx eval/caption-eval.ts --bundle models/limner-mini --data DIR \
 *   --out results.json [--modes short,descriptive] [--count-grounding off] [--batch 32]
 * ```
 * `--count-grounding off` is the model card's ablation. Output:
 * `{"summary": {images, seconds, retrieval_top1_in_batch, batch_size, mean_cosine_matched,
 * mean_cosine_unmatched, onnxruntime_node}, "results": [{id, short?, descriptive?}]}`, images
 * grouped by bucket in order of first appearance.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import { InferencePool } from "../src/backend/inference-pool";
import { ENGINE } from "../src/backend/onnx-backend";
import { type LimnerBundle, loadBundle } from "../src/models/load-bundle";
import {
  type CaptionDecoding,
  type CaptionDetail,
  type CaptionMode,
  ImageToTextPipeline,
} from "../src/pipelines/image-to-text";

/** `index.json` of a dump: one entry per image, its pixels in `file` as float32 [1, 3, H, W]. */
const DumpIndex = z.array(
  z.looseObject({
    id: z.string(),
    bucket: z.string(),
    width: z.int().positive(),
    height: z.int().positive(),
    file: z.string(),
    descriptive: z.string(),
  }),
);
type DumpEntry = z.output<typeof DumpIndex>[number];

const Modes = z.array(z.enum(["short", "descriptive"])).min(1);

export interface CaptionEvalOptions {
  readonly bundle: LimnerBundle;
  readonly dataDir: string;
  readonly modes: readonly CaptionDetail[];
  /** Off: the descriptive captions without count grounding (the card's ablation). */
  readonly countGrounding: boolean;
  /** Images per in-batch retrieval group (within one bucket). */
  readonly batchSize: number;
  readonly pool: InferencePool;
  readonly log?: (line: string) => void;
}

export interface CaptionEvalResults {
  readonly summary: {
    images: number;
    seconds: number;
    retrieval_top1_in_batch: number;
    batch_size: number;
    mean_cosine_matched: number;
    mean_cosine_unmatched: number | null;
    onnxruntime_node: string;
  };
  readonly results: ({ id: string } & Partial<Record<CaptionDetail, string>>)[];
}

export async function evaluateCaptions(options: CaptionEvalOptions): Promise<CaptionEvalResults> {
  const { bundle, dataDir, modes, batchSize } = options;
  const captioner = options.countGrounding
    ? bundle.imageToText
    : ungroundedCaptioner(bundle, options.pool);
  const towers = bundle.similarity;
  if (!captioner || !towers) throw new Error("the bundle needs a captioner and its text tower");
  const entries = DumpIndex.parse(JSON.parse(readFileSync(join(dataDir, "index.json"), "utf8")));
  const results: CaptionEvalResults["results"] = [];
  const retrieval = { hits: 0, matched: 0, unmatched: 0, pairs: 0 };
  const started = Date.now();
  const groups = new Map<string, DumpEntry[]>();
  for (const e of entries) groups.set(e.bucket, [...(groups.get(e.bucket) ?? []), e]);
  for (const group of groups.values()) {
    for (let s = 0; s < group.length; s += batchSize) {
      const chunk = group.slice(s, s + batchSize);
      const pixels = chunk.map((e) => readPixels(dataDir, e));
      const first = chunk[0];
      if (!first) continue;
      const bucket = { name: first.bucket, width: first.width, height: first.height };
      const captions = new Map<CaptionDetail, string[]>();
      for (const detail of modes) {
        const texts: string[] = [];
        for (const image of pixels)
          texts.push(await captioner.caption(image, bucket, { detail, beams: 1 }));
        captions.set(detail, texts);
      }
      scoreRetrieval(
        await towers.imageEmbeddings(pixels, bucket),
        await towers.textEmbeddings(chunk.map((e) => e.descriptive)),
        retrieval,
      );
      chunk.forEach((e, i) => {
        results.push({
          id: e.id,
          ...Object.fromEntries(modes.map((m) => [m, captions.get(m)?.[i]])),
        });
      });
      options.log?.(`  caption eval: ${results.length}/${entries.length}`);
    }
  }
  return {
    summary: {
      images: entries.length,
      seconds: (Date.now() - started) / 1000,
      retrieval_top1_in_batch: retrieval.hits / entries.length,
      batch_size: batchSize,
      mean_cosine_matched: retrieval.matched / entries.length,
      mean_cosine_unmatched: retrieval.pairs ? retrieval.unmatched / retrieval.pairs : null,
      onnxruntime_node: ENGINE.name,
    },
    results,
  };
}

/** The bundle's captioner on the same sessions, its modes without count grounding. */
function ungroundedCaptioner(
  bundle: LimnerBundle,
  pool: InferencePool,
): ImageToTextPipeline | undefined {
  const decoding = bundle.manifest.components.captioner_text_decoder?.decoding;
  const { imageToText, tokenizer } = bundle;
  if (!imageToText || !tokenizer || !decoding) return undefined;
  const plain = ({ countGrounding: _, ...mode }: CaptionMode): CaptionMode => mode;
  const ungrounded: CaptionDecoding = {
    ...decoding,
    modes: { short: plain(decoding.modes.short), descriptive: plain(decoding.modes.descriptive) },
  };
  return new ImageToTextPipeline({
    pool,
    keys: imageToText.keys,
    tokenizer,
    decoding: ungrounded,
    buckets: bundle.buckets,
  });
}

function readPixels(dataDir: string, entry: DumpEntry): Float32Array {
  const bytes = readFileSync(join(dataDir, entry.file));
  const plane = 3 * entry.width * entry.height;
  if (bytes.byteLength !== 4 * plane) {
    throw new Error(`${entry.file} holds ${bytes.byteLength} bytes, not float32 [1, 3, H, W]`);
  }
  // A copy: the buffer Node read into need not be 4-byte aligned.
  return new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
}

/**
 * Does each image retrieve its own descriptive caption among the chunk's? The towers'
 * embeddings are L2-normalised (model.json), so the dot product is the cosine; it is summed in
 * the order the model card's numbers always were.
 */
function scoreRetrieval(
  images: readonly Float32Array[],
  texts: readonly Float32Array[],
  totals: { hits: number; matched: number; unmatched: number; pairs: number },
): void {
  images.forEach((image, i) => {
    let best = Number.NEGATIVE_INFINITY;
    let arg = -1;
    texts.forEach((text, j) => {
      let cos = 0;
      for (let k = 0; k < image.length; k++) cos += (image[k] ?? 0) * (text[k] ?? 0);
      if (cos > best) {
        best = cos;
        arg = j;
      }
      if (i === j) totals.matched += cos;
      else {
        totals.unmatched += cos;
        totals.pairs++;
      }
    });
    totals.hits += arg === i ? 1 : 0;
  });
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      bundle: { type: "string" },
      data: { type: "string" },
      out: { type: "string" },
      modes: { type: "string", default: "short,descriptive" },
      "count-grounding": { type: "string", default: "on" },
      batch: { type: "string", default: "32" },
      threads: { type: "string", default: "2" },
    },
  });
  if (!values.bundle || !values.data || !values.out) {
    throw new Error(
      "usage: caption-eval.ts --bundle DIR --data DIR --out FILE [--modes short,descriptive] [--count-grounding on|off] [--batch N] [--threads N]",
    );
  }
  const grounding = z.enum(["on", "off"]).parse(values["count-grounding"]);
  const pool = await InferencePool.start({
    workers: 1,
    executionProviders: ["cpu"],
    intraOpThreads: z.coerce.number().int().positive().parse(values.threads),
  });
  try {
    const bundle = await loadBundle(values.bundle, { pool });
    const out = await evaluateCaptions({
      bundle,
      pool,
      dataDir: values.data,
      modes: Modes.parse(values.modes.split(",")),
      countGrounding: grounding === "on",
      batchSize: z.coerce.number().int().positive().parse(values.batch),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    await writeFile(values.out, `${JSON.stringify(out, null, 1)}\n`);
    console.log(JSON.stringify(out.summary));
    await bundle.dispose();
  } finally {
    await pool.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main(process.argv.slice(2));
}
