/**
 * The card's numbers from per-prompt results: per variant, each category's pass rate, the
 * mean of the categories, the similarity and how many objects the judge reads, each an
 * {@link Estimate} with its bootstrap interval over prompts (statistics.ts); and the gain of
 * upsampling (variant "X+upsample" minus "X") as a paired difference on the same prompts.
 *
 * @module
 */
import type { CompBenchScores, SceneGraph } from "../runtime-procedures";
import type { Outcome } from "./category-checks";
import {
  type BootstrapOptions,
  type Estimate,
  estimate,
  pairedDifference,
  type Strata,
} from "./statistics";
import { CATEGORIES, type Category } from "./suite";

/**
 * How a suite prompt is sent: the item's short or descriptive prompt, verbatim or rewritten by
 * the deployment's prompt upsampler first (as DALL-E 3 rewrites user prompts, Betker et al.
 * 2023, §3.5). Every image is scored against what the *user's* prompt states.
 */
export const VARIANTS = ["short", "short+upsample", "descriptive", "descriptive+upsample"] as const;
export type Variant = (typeof VARIANTS)[number];

export interface ImageResult {
  /** The request's seed; with `index` it names the image's noise stream (the runtime's rule). */
  seed: number;
  /** The image's index in its request: image `index` of seed `seed`. */
  index: number;
  /** This image's 0/1 outcome for its prompt's category. */
  outcome: Outcome;
  /** The judge's T2I-CompBench scores (means of its checks) against the user's prompt. */
  scores: CompBenchScores;
  similarity: number | null;
  sceneGraph: SceneGraph;
}

export interface PromptResult {
  id: string;
  category: Category;
  variant: Variant;
  bucket: string;
  prompt: string;
  generationPrompt: string;
  /** Objects in the prompt's scene (what a faithful image holds). */
  objects: number;
  images: ImageResult[];
  /**
   * Wall times; `upsample` is null where the rewrite ran inside the generation request (through
   * the API, the edge upsamples) and so is counted in `generate`.
   */
  ms: { upsample: number | null; generate: number; score: number };
}

export interface VariantSummary {
  prompts: number;
  images: number;
  /** Wall time of the generation per image (scoring excluded; see `PromptResult.ms`). */
  msPerImage: number;
  /** Per prompt (one rewrite serves its images); null without upsampling. */
  msPerUpsample: number | null;
  /** Upsampling, generation and scoring of one prompt's images together. */
  msPerPrompt: number;
  categories: Record<Category, Estimate>;
  /** The mean of the categories' pass rates (each category weighs the same). */
  overall: Estimate;
  similarity: Estimate;
  /** Objects the judge reads in the images of 2-object scenes. */
  objectsRead: Estimate;
}

export interface Gain {
  variant: Variant;
  baseline: Variant;
  categories: Record<Category, Estimate>;
  overall: Estimate;
}

/** Prompts grouped by category (CATEGORIES order), each a cluster of its images' values. */
export function byCategory<T extends { category: Category }>(
  rows: readonly T[],
  values: (row: T) => readonly (number | null)[],
): Strata {
  return CATEGORIES.map((c) => rows.filter((r) => r.category === c).map(values));
}

const outcomes = (r: PromptResult) => r.images.map((i) => i.outcome);

function average(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

/** One category's strata alone, for its own estimate. */
function only(strata: Strata, category: Category): Strata {
  return [strata[CATEGORIES.indexOf(category)] ?? []];
}

export function perCategory(
  strata: Strata,
  options: BootstrapOptions,
): { categories: Record<Category, Estimate>; overall: Estimate } {
  const categories = Object.fromEntries(
    CATEGORIES.map((c) => [c, estimate(only(strata, c), options)]),
  ) as Record<Category, Estimate>;
  return { categories, overall: estimate(strata, options) };
}

export function summarise(
  results: readonly PromptResult[],
  variant: Variant,
  options: BootstrapOptions = {},
): VariantSummary {
  const mine = results.filter((r) => r.variant === variant);
  const images = mine.reduce((n, r) => n + r.images.length, 0);
  const twoObjects = mine.filter((r) => r.objects === 2);
  return {
    prompts: mine.length,
    images,
    msPerImage: images ? mine.reduce((t, r) => t + r.ms.generate, 0) / images : 0,
    msPerUpsample:
      variant.endsWith("+upsample") && mine.every((r) => r.ms.upsample !== null)
        ? average(mine.map((r) => r.ms.upsample ?? 0))
        : null,
    msPerPrompt: average(mine.map((r) => (r.ms.upsample ?? 0) + r.ms.generate + r.ms.score)),
    ...perCategory(byCategory(mine, outcomes), options),
    similarity: estimate([mine.map((r) => r.images.map((i) => i.similarity))], options),
    objectsRead: estimate(
      [twoObjects.map((r) => r.images.map((i) => i.sceneGraph.objects.length))],
      options,
    ),
  };
}

const BASELINES: Partial<Record<Variant, Variant>> = {
  "short+upsample": "short",
  "descriptive+upsample": "descriptive",
};

/** "X+upsample" − "X" for every X of which both were run, prompt by prompt. */
export function upsamplingGains(
  results: readonly PromptResult[],
  variants: readonly Variant[],
  options: BootstrapOptions = {},
): Gain[] {
  const gains: Gain[] = [];
  for (const variant of variants) {
    const baseline = BASELINES[variant];
    if (!baseline || !variants.includes(baseline)) continue;
    const base = new Map(results.filter((r) => r.variant === baseline).map((r) => [r.id, r]));
    const pairs = results
      .filter((r) => r.variant === variant && base.has(r.id))
      .map((r) => ({ category: r.category, a: r, b: base.get(r.id) }));
    const a = byCategory(pairs, (p) => outcomes(p.a));
    const b = byCategory(pairs, (p) => (p.b ? outcomes(p.b) : []));
    const categories = Object.fromEntries(
      CATEGORIES.map((c) => [c, pairedDifference(only(a, c), only(b, c), options)]),
    ) as Record<Category, Estimate>;
    gains.push({ variant, baseline, categories, overall: pairedDifference(a, b, options) });
  }
  return gains;
}
