/**
 * The held-out prompt suite file written by `training/image/suite.py`: its items (one held-out
 * scene each, with a short and a descriptive prompt and what each *states*, in the shape of the
 * judge's parsed prompt) and how many images to generate per prompt. The runtime's harness
 * (`gpu-runtime/eval/`) and `limner eval` read the same file through {@link parseSuite}.
 *
 * Words (shapes, colours, textures, sizes) are strings, as in {@link SceneGraph}: the world's
 * vocabulary is the judge's business, and a word no judge reads simply never matches.
 *
 * @example
 * ```ts
 * const suite = parseSuite(JSON.parse(text));
 * suite.items[0]?.category; // "colour": the categories come interleaved
 * ```
 *
 * @module
 */
import { z } from "zod";
import { SceneGraphPosition } from "../runtime-procedures";

/** The categories of training/image/suite.py, in the card's column order. */
export const CATEGORIES = [
  "colour",
  "shape",
  "texture",
  "single",
  "counting",
  "spatial",
  "background",
  "size",
] as const;
export type Category = (typeof CATEGORIES)[number];
/** The attribute-binding categories: the card's targets, given the most prompts. */
export const BINDING_CATEGORIES: readonly Category[] = ["colour", "shape", "texture"];
/** The runtime's largest `n`; suite.py keeps each item's seed this far below 2^32. */
export const MAX_IMAGES_PER_PROMPT = 4;

const Word = z.string().min(1);
/** A row or column of the 3×3 grid, 0 (top / left) to 2 (bottom / right). */
const Cell = z
  .int()
  .min(0)
  .max(
    Math.min(
      SceneGraphPosition.shape.row.options.length,
      SceneGraphPosition.shape.column.options.length,
    ) - 1,
  );
const ObjectRef = z.object({ colour: Word.optional(), shape: Word });

/** What a prompt states: the objects and their attributes, counts, relations, background. */
export const Expectation = z.object({
  objects: z.array(
    z.object({
      shape: Word,
      colour: Word.optional(),
      texture: Word.optional(),
      size: Word.optional(),
      row: Cell.optional(),
      column: Cell.optional(),
    }),
  ),
  background: Word.optional(),
  count: z.int().nonnegative().optional(),
  shapeCounts: z.partialRecord(Word, z.int().nonnegative()),
  relations: z.array(
    z.object({ a: ObjectRef, relation: z.enum(["left", "right", "above", "below"]), b: ObjectRef }),
  ),
});
export type Expectation = z.infer<typeof Expectation>;

export const SuiteItem = z.object({
  id: z.string().min(1),
  category: z.enum(CATEGORIES),
  bucket: z.string().min(1),
  /** The request seed of the item's images: image j is image j of this seed (`n` > j). */
  seed: z
    .int()
    .min(0)
    .max(2 ** 32 - MAX_IMAGES_PER_PROMPT),
  short: z.string().min(1),
  descriptive: z.string().min(1),
  expected_short: Expectation,
  expected_descriptive: Expectation,
});
export type SuiteItem = z.infer<typeof SuiteItem>;

export const SuiteFile = z.looseObject({
  /** Images per prompt (different seeds); suites before version 2 had one. */
  images: z.int().min(1).max(MAX_IMAGES_PER_PROMPT).default(1),
  items: z.array(SuiteItem).min(1),
});

export interface Suite {
  readonly items: SuiteItem[];
  readonly imagesPerPrompt: number;
}

/**
 * The suite's items, categories interleaved (the first of each category, then the second, …) so
 * that a prefix (`--limit`, `limner eval --n`) and partial results cover every category evenly.
 *
 * @throws Error naming the first problems when `json` is not a suite.
 */
export function parseSuite(json: unknown, name = "suite"): Suite {
  const parsed = SuiteFile.safeParse(json);
  if (!parsed.success) throw new Error(`Invalid ${name}:\n${z.prettifyError(parsed.error)}`);
  const seen = new Map<Category, number>();
  const ranked = parsed.data.items.map((item) => {
    const rank = seen.get(item.category) ?? 0;
    seen.set(item.category, rank + 1);
    return { item, rank };
  });
  ranked.sort((a, b) => a.rank - b.rank); // stable: file order within a rank
  return { items: ranked.map((r) => r.item), imagesPerPrompt: parsed.data.images };
}
