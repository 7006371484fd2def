/**
 * Every score of the image model card comes with a 95 % confidence interval from one method: a
 * seeded percentile bootstrap over prompts (Efron & Tibshirani 1993, ch. 13), resampling whole
 * prompts with all their images — the cluster bootstrap (Davison & Hinkley 1997, §3.8) — within
 * each category (stratum).
 *
 * Why not Wilson's interval: it is exact in spirit for *independent* 0/1 trials, but the images
 * of one prompt share its words, its scene and its bucket, so their outcomes are correlated (a
 * prompt the model cannot draw fails on every seed). Counting two images of a prompt as two
 * trials would understate the width by up to √2; the prompts are the independent units, and
 * the bootstrap over them needs no model of the correlation. The same resampling also gives the
 * similarity's interval (not a proportion) and the interval of a *paired* difference between
 * two variants scored on the same prompts, which Wilson cannot.
 *
 * Its blind spot: a cell where every image agrees (0 % or 100 %) has no variation to resample,
 * so its interval is the point itself; then the rule of three (3 / prompts) bounds the true rate.
 *
 * The resampling draws from mulberry32 (a seeded 32-bit generator, two words per 53-bit float):
 * the runtime's harness and `limner eval` share this file, so the same outcomes and seed give
 * the same interval in both.
 *
 * @example
 * ```ts
 * estimate([[[1, 0], [1, 1], [0, 0]]]); // one category, three prompts of two images
 * // { mean: 0.5, low: 0, high: 1, prompts: 3, images: 6 } (wide: three prompts say little)
 * ```
 *
 * @module
 */

/** One prompt's per-image values (0/1 outcomes or similarities); null = nothing to check. */
export type Cluster = readonly (number | null)[];
/** Prompts grouped by category: resampling stays within a category, as the suite is built. */
export type Strata = readonly (readonly Cluster[])[];

export interface Estimate {
  /** Mean over the strata of each stratum's mean over images; null when nothing was checked. */
  mean: number | null;
  /** The 95 % interval's ends (null with the mean, or when no resampling was asked for). */
  low: number | null;
  high: number | null;
  /** Prompts with at least one checked image, and checked images. */
  prompts: number;
  images: number;
}

export interface BootstrapOptions {
  /**
   * Resamples of the prompts; 2000 puts the percentile ends within ~0.3 points of their limit.
   * 0 gives the means alone (low and high null), for cheap partial results.
   */
  resamples?: number;
  /** The same seed gives the same interval. */
  seed?: number;
  level?: number;
}

export const BOOTSTRAP_DEFAULTS = Object.freeze({ resamples: 2000, seed: 0, level: 0.95 });

/** How every interval of a report was computed, as reports record it. */
export interface IntervalMethod {
  method: "bootstrap over prompts, percentile";
  resamples: number;
  seed: number;
  level: number;
}

export function intervalMethod(options: Required<BootstrapOptions>): IntervalMethod {
  return { method: "bootstrap over prompts, percentile", ...options };
}

/** Per stratum, per prompt: the sum and the number of the non-null values. */
interface Sums {
  sum: Float64Array;
  count: Float64Array;
}

function sums(strata: Strata): Sums[] {
  return strata.map((clusters) => {
    const sum = new Float64Array(clusters.length);
    const count = new Float64Array(clusters.length);
    clusters.forEach((values, i) => {
      for (const v of values) {
        if (v === null) continue;
        sum[i] = (sum[i] ?? 0) + v;
        count[i] = (count[i] ?? 0) + 1;
      }
    });
    return { sum, count };
  });
}

/** mulberry32 (Tommy Ettinger, public domain): uniform doubles in [0, 1), 53 random bits each. */
function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
}

/** numpy's default (linear) quantile of sorted values. */
function quantile(sorted: readonly number[], p: number): number {
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] ?? a;
  return a + (at - lo) * (b - a);
}

/**
 * The bootstrap core for one or more series measured on the same prompts (index-aligned):
 * `statistic` gets each series' per-stratum means (null for a stratum with nothing checked).
 */
function bootstrap(
  series: readonly Strata[],
  statistic: (means: readonly (readonly (number | null)[])[]) => number | null,
  options: BootstrapOptions,
): { mean: number | null; low: number | null; high: number | null } {
  const { resamples, seed, level } = { ...BOOTSTRAP_DEFAULTS, ...options };
  const table = series.map(sums);
  const sizes = (series[0] ?? []).map((stratum) => stratum.length);
  for (const s of series) {
    if (s.length !== sizes.length || s.some((stratum, i) => stratum.length !== sizes[i]))
      throw new RangeError("paired series must have the same prompts in the same strata");
  }
  const ratio = (sum: number, count: number) => (count > 0 ? sum / count : null);
  const full = statistic(
    table.map((strata) =>
      strata.map(({ sum, count }) =>
        ratio(
          sum.reduce((a, b) => a + b, 0),
          count.reduce((a, b) => a + b, 0),
        ),
      ),
    ),
  );
  if (full === null) return { mean: null, low: null, high: null };
  const uniform = seededUniform(seed);
  const draws: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const totals = table.map((strata) => strata.map(() => ({ sum: 0, count: 0 })));
    sizes.forEach((n, s) => {
      for (let k = 0; k < n; k++) {
        // One draw of a prompt serves every series: the pairing the differences rely on.
        const pick = Math.floor(uniform() * n);
        table.forEach((strata, i) => {
          const total = totals[i]?.[s];
          const stratum = strata[s];
          if (!total || !stratum) return;
          total.sum += stratum.sum[pick] ?? 0;
          total.count += stratum.count[pick] ?? 0;
        });
      }
    });
    const value = statistic(totals.map((t) => t.map(({ sum, count }) => ratio(sum, count))));
    if (value !== null) draws.push(value);
  }
  if (!draws.length) return { mean: full, low: null, high: null };
  draws.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { mean: full, low: quantile(draws, tail), high: quantile(draws, 1 - tail) };
}

function meanOf(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? present.reduce((a, b) => a + b, 0) / present.length : null;
}

function counts(strata: Strata): { prompts: number; images: number } {
  let prompts = 0;
  let images = 0;
  for (const clusters of strata) {
    for (const values of clusters) {
      const checked = values.filter((v) => v !== null).length;
      images += checked;
      if (checked > 0) prompts++;
    }
  }
  return { prompts, images };
}

/**
 * The mean (over strata, of each stratum's mean over its images) with its bootstrap interval.
 * One stratum is one category's score; several make the mean of the categories' scores.
 */
export function estimate(strata: Strata, options: BootstrapOptions = {}): Estimate {
  return { ...bootstrap([strata], ([means]) => meanOf(means ?? []), options), ...counts(strata) };
}

/**
 * `a − b` for two variants scored on the same prompts (index-aligned strata), resampling the
 * prompts once for both: the gain's interval, narrower than the two intervals suggest because
 * a prompt that is hard for one variant tends to be hard for the other.
 */
export function pairedDifference(a: Strata, b: Strata, options: BootstrapOptions = {}): Estimate {
  const value = bootstrap(
    [a, b],
    ([meansA, meansB]) =>
      meanOf(
        (meansA ?? []).map((m, s) => {
          const other = meansB?.[s] ?? null;
          return m === null || other === null ? null : m - other;
        }),
      ),
    options,
  );
  return { ...value, ...counts(a) };
}
