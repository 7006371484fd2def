/**
 * The model card's prompt-following table (the format of `training/image/prompt_card.py`), so
 * `limner eval`'s output reads side by side with `gpu-runtime/models/<id>/MODEL_CARD.md`: per
 * variant, each category's pass rate in % with its 95 % interval in brackets, the mean of the
 * categories, the similarity (100 × cosine), objects read in 2-object scenes, ms per image.
 *
 * @module
 */
import {
  CATEGORIES,
  type Category,
  type Estimate,
  type Gain,
  VARIANTS,
  type Variant,
  type VariantSummary,
} from "@limner/sdk/eval";

const LABELS: Partial<Record<Category, string>> = { single: "one object" };

function percent(x: number, signed: boolean): string {
  return signed ? `${100 * x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}` : (100 * x).toFixed(1);
}

/** "16.0 (11.2–21.5)": the estimate in %, its interval in brackets; "n/a" when unmeasured. */
export function cell(estimate: Estimate | undefined, signed = false): string {
  if (!estimate || estimate.mean === null) return "n/a";
  const text = percent(estimate.mean, signed);
  if (estimate.low === null || estimate.high === null) return text;
  const dash = signed ? " to " : "–";
  return `${text} (${percent(estimate.low, signed)}${dash}${percent(estimate.high, signed)})`;
}

function header(first: string, extra: readonly string[]): string[] {
  const names = [...CATEGORIES.map((c) => LABELS[c] ?? c), "mean", ...extra];
  return [`| ${first} | ${names.join(" | ")} |`, `|---|${"---|".repeat(names.length)}`];
}

export function cardTable(summary: Partial<Record<Variant, VariantSummary>>): string[] {
  const lines = header("prompts", ["similarity", "objects read (of 2)", "ms / image"]);
  for (const variant of VARIANTS) {
    const s = summary[variant];
    if (!s) continue;
    const cells = [...CATEGORIES.map((c) => cell(s.categories[c])), cell(s.overall)];
    const similarity = s.similarity.mean === null ? "n/a" : (100 * s.similarity.mean).toFixed(1);
    const objects = s.objectsRead.mean === null ? "n/a" : s.objectsRead.mean.toFixed(2);
    lines.push(
      `| ${variant} | ${cells.join(" | ")} | ${similarity} | ${objects} | ${s.msPerImage.toFixed(0)} |`,
    );
  }
  return lines;
}

/** The upsampling gains (paired differences), when both variants of a pair ran. */
export function gainsTable(gains: readonly Gain[]): string[] {
  if (!gains.length) return [];
  const lines = header("upsampling", []);
  for (const g of gains) {
    const cells = [...CATEGORIES.map((c) => cell(g.categories[c], true)), cell(g.overall, true)];
    lines.push(`| ${g.variant} − ${g.baseline} | ${cells.join(" | ")} |`);
  }
  return lines;
}
