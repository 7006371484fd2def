/**
 * A prompt suite through a deployment's public API, as its users reach it: each prompt ×
 * variant is one `images.generate` (the item's seed, `n` images, the item's bucket's API size,
 * the deployment's prompt upsampling on for "+upsample" variants and off otherwise), and each
 * image one `images.score` against the *user's* prompt. Each image then gets its category's
 * 0/1 outcome against what that prompt states (`checkCategory`, the runtime harness's code),
 * and the summary the bootstrap over prompts — the model card's table.
 *
 * @module
 */
import type { ImageSize, Limner } from "@limner/sdk";
import { bucketForSize, DEFAULT_BUCKETS, IMAGE_SIZES } from "@limner/sdk/contracts";
import {
  BOOTSTRAP_DEFAULTS,
  type BootstrapOptions,
  checkCategory,
  type Gain,
  type IntervalMethod,
  intervalMethod,
  type PromptResult,
  type SuiteItem,
  summarise,
  upsamplingGains,
  type Variant,
  type VariantSummary,
} from "@limner/sdk/eval";

export interface EvalResults {
  model: string;
  /** The suite file and what of it ran. */
  suite: { file: string; prompts: number; imagesPerPrompt: number };
  variants: Variant[];
  /** How every interval here was computed. */
  intervals: IntervalMethod;
  summary: Partial<Record<Variant, VariantSummary>>;
  gains: Gain[];
  items: PromptResult[];
}

export interface RunSuiteOptions {
  limner: Limner;
  /** The model to generate and score with (default: the deployment's). */
  model?: string | undefined;
  file: string;
  items: readonly SuiteItem[];
  imagesPerPrompt: number;
  variants: readonly Variant[];
  bootstrap?: BootstrapOptions;
  /** After each prompt × variant: how many are done of how many. */
  onProgress?: (done: number, total: number, last: PromptResult) => void;
}

/**
 * The API size rendered at the suite item's bucket: the suite names the buckets of the
 * DALL-E 3 sizes at 1/8 (square, landscape, portrait), and the edge picks a model's bucket by
 * the size's aspect ratio.
 */
export function sizeForBucket(bucket: string): ImageSize {
  const size = IMAGE_SIZES.find((s) => bucketForSize(s, DEFAULT_BUCKETS).name === bucket);
  if (!size) {
    const known = DEFAULT_BUCKETS.map((b) => b.name).join(", ");
    throw new Error(`The suite asks for bucket '${bucket}'; the API's sizes render at ${known}.`);
  }
  return size;
}

export async function runSuite(options: RunSuiteOptions): Promise<EvalResults> {
  const { limner, items, variants, imagesPerPrompt } = options;
  const model = options.model !== undefined ? { model: options.model } : {};
  let served: string | undefined;
  const bootstrap = { ...BOOTSTRAP_DEFAULTS, ...options.bootstrap };
  const results: PromptResult[] = [];
  const total = items.length * variants.length;
  for (const item of items) {
    const size = sizeForBucket(item.bucket);
    for (const variant of variants) {
      const descriptive = variant.startsWith("descriptive");
      const prompt = descriptive ? item.descriptive : item.short;
      const expected = descriptive ? item.expected_descriptive : item.expected_short;
      let t = performance.now();
      const generated = await limner.images.generate({
        prompt,
        ...model,
        n: imagesPerPrompt,
        size,
        seed: item.seed,
        upsample: variant.endsWith("+upsample"),
        response_format: "b64_json",
      });
      const generate = performance.now() - t;
      served ??= generated.limner?.model;
      t = performance.now();
      const images = [];
      for (const [j, image] of generated.data.entries()) {
        if (!image.b64_json) throw new Error(`${item.id}: the edge sent no b64_json image.`);
        const read = await limner.images.score({
          image: Buffer.from(image.b64_json, "base64"),
          prompt,
          ...model,
        });
        const { scores, outcome } = checkCategory(item.category, expected, read.scene_graph);
        images.push({
          seed: item.seed,
          index: j,
          outcome,
          scores,
          similarity: read.similarity,
          sceneGraph: read.scene_graph,
        });
      }
      if (images.length !== imagesPerPrompt) {
        throw new Error(`${item.id}: asked for ${imagesPerPrompt} images, got ${images.length}.`);
      }
      const row: PromptResult = {
        id: item.id,
        category: item.category,
        variant,
        bucket: item.bucket,
        prompt,
        generationPrompt: generated.data[0]?.revised_prompt ?? prompt,
        objects: item.expected_descriptive.objects.length,
        images,
        // The edge upsamples inside the generation request: its time is in `generate`.
        ms: { upsample: null, generate, score: performance.now() - t },
      };
      results.push(row);
      options.onProgress?.(results.length, total, row);
    }
  }
  return {
    model: served ?? options.model ?? "the deployment's default",
    suite: { file: options.file, prompts: items.length, imagesPerPrompt },
    variants: [...variants],
    intervals: intervalMethod(bootstrap),
    summary: Object.fromEntries(variants.map((v) => [v, summarise(results, v, bootstrap)])),
    gains: upsamplingGains(results, variants, bootstrap),
    items: results,
  };
}
