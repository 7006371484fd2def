/**
 * The held-out suite through the runtime: every prompt × variant is generated (generate.ts),
 * `services.score` reads each image back with the judge and gives the image–text similarity,
 * and each image gets its category's 0/1 outcome (`checkCategory`) against what the
 * *original* prompt states (`expected_short` / `expected_descriptive`), never the rewrite.
 * Scores are T2I-CompBench-style (Huang et al. 2023); the summary gives each its interval.
 *
 * @module
 */
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
  VARIANTS,
  type Variant,
  type VariantSummary,
} from "@limner/contracts/eval";
import { type GenerationSettings, generatePrompt, type UsedSettings } from "./generate";
import type { HostedBundle } from "./runtime-host";

export interface SuiteResults {
  model: string;
  scorerModel: string;
  settings: GenerationSettings;
  /** What the runtime actually used (the bundle's defaults unless overridden). */
  generation: UsedSettings | null;
  variants: Variant[];
  imagesPerPrompt: number;
  /** How every interval here was computed (`@limner/contracts/eval`, statistics.ts). */
  intervals: IntervalMethod;
  summary: Partial<Record<Variant, VariantSummary>>;
  gains: Gain[];
  items: PromptResult[];
}

export interface EvaluateOptions {
  generator: Pick<HostedBundle, "services" | "model">;
  /** Judge + similarity; the generator's bundle by default (it may lack the contrastive towers). */
  scorer?: Pick<HostedBundle, "services" | "model">;
  items: readonly SuiteItem[];
  imagesPerPrompt?: number;
  variants?: readonly Variant[];
  settings?: GenerationSettings;
  bootstrap?: BootstrapOptions;
  /** Progress lines (stderr in the CLI), at least every `progressEvery` prompts. */
  log?: (line: string) => void;
  progressEvery?: number;
  /** Called with the results so far at each progress line (the CLI saves them). */
  onProgress?: (partial: SuiteResults) => Promise<void>;
}

export async function evaluateSuite(options: EvaluateOptions): Promise<SuiteResults> {
  const { generator, items } = options;
  const scorer = options.scorer ?? generator;
  const variants = [...(options.variants ?? VARIANTS)];
  const images = options.imagesPerPrompt ?? 1;
  const log = options.log ?? (() => {});
  const every = options.progressEvery ?? 10;
  const settings = options.settings ?? {};
  const bootstrap = { ...BOOTSTRAP_DEFAULTS, ...options.bootstrap };
  const results: PromptResult[] = [];
  let generation: UsedSettings | null = null;
  // Partial results (saved while the run goes on) carry means only: a bootstrap of every cell
  // at every progress line would cost more than the generation.
  const snapshot = (final: boolean): SuiteResults => {
    const intervals = final ? bootstrap : { ...bootstrap, resamples: 0 };
    return {
      model: generator.model,
      scorerModel: scorer.model,
      settings,
      generation,
      variants,
      imagesPerPrompt: images,
      intervals: intervalMethod(intervals),
      summary: Object.fromEntries(variants.map((v) => [v, summarise(results, v, intervals)])),
      gains: upsamplingGains(results, variants, intervals),
      items: results,
    };
  };
  const total = items.length * variants.length;
  const started = performance.now();

  for (const item of items) {
    for (const variant of variants) {
      const made = await generatePrompt(generator, item, variant, images, settings);
      generation ??= made.used;
      const t = performance.now();
      const judged = [];
      for (const image of made.images) {
        const read = await scorer.services.score(
          { model: scorer.model, image: image.b64, prompt: made.prompt },
          {},
        );
        const { scores, outcome } = checkCategory(item.category, made.expected, read.sceneGraph);
        judged.push({
          seed: image.seed,
          index: image.index,
          outcome,
          scores,
          similarity: read.similarity,
          sceneGraph: read.sceneGraph,
        });
      }
      results.push({
        id: item.id,
        category: item.category,
        variant,
        bucket: item.bucket,
        prompt: made.prompt,
        generationPrompt: made.generationPrompt,
        objects: item.expected_descriptive.objects.length,
        images: judged,
        ms: { ...made.ms, score: performance.now() - t },
      });
      if (results.length % every === 0 || results.length === total) {
        const rate = (v: Variant) => {
          const done = results.filter((r) => r.variant === v).flatMap((r) => r.images);
          const checked = done.filter((i) => i.outcome !== null);
          return checked.length
            ? (checked.filter((i) => i.outcome === 1).length / checked.length).toFixed(3)
            : "-";
        };
        const perPrompt = (performance.now() - started) / results.length;
        log(
          `[eval] ${results.length}/${total} prompts (${item.id}) pass rate: ${variants.map((v) => `${v}=${rate(v)}`).join(" ")}; ${perPrompt.toFixed(0)} ms/prompt`,
        );
        await options.onProgress?.(snapshot(false));
      }
    }
  }
  return snapshot(true);
}
