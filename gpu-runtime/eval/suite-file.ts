/**
 * The held-out prompt suite file written by `training/image/suite.py`, validated: its items
 * (one held-out scene each, with a short and a descriptive prompt and what each states, in the
 * judge's `ParsedPrompt` shape) and how many images to generate per prompt.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import {
  COLUMNS,
  type Colour as ColourName,
  isColour,
  ROWS,
  SHAPES,
  SIZES,
  TEXTURES,
} from "../src/judge/vocabulary";

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

const Shape = z.enum(SHAPES);
const Colour = z.custom<ColourName>((v) => typeof v === "string" && isColour(v), "not a colour");
const Cell = z
  .int()
  .min(0)
  .max(Math.min(ROWS.length, COLUMNS.length) - 1);
const ObjectRef = z.object({ colour: Colour.optional(), shape: Shape });
export const Expectation = z.object({
  objects: z.array(
    z.object({
      shape: Shape,
      colour: Colour.optional(),
      texture: z.enum(TEXTURES).optional(),
      size: z.enum(SIZES).optional(),
      row: Cell.optional(),
      column: Cell.optional(),
    }),
  ),
  background: z.string().optional(),
  count: z.int().nonnegative().optional(),
  shapeCounts: z.partialRecord(Shape, z.int().nonnegative()),
  relations: z.array(
    z.object({ a: ObjectRef, relation: z.enum(["left", "right", "above", "below"]), b: ObjectRef }),
  ),
});
export type Expectation = z.infer<typeof Expectation>;

export const SuiteItem = z.object({
  id: z.string().min(1),
  category: z.enum(CATEGORIES),
  bucket: z.string().min(1),
  /** The first image's seed; image j uses seed + j. */
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

const SuiteFile = z.looseObject({
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
 * that `--limit` and partial results cover every category evenly.
 */
export function readSuite(path: string): Suite {
  const parsed = SuiteFile.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) throw new Error(`Invalid suite ${path}:\n${z.prettifyError(parsed.error)}`);
  const seen = new Map<Category, number>();
  const ranked = parsed.data.items.map((item) => {
    const rank = seen.get(item.category) ?? 0;
    seen.set(item.category, rank + 1);
    return { item, rank };
  });
  ranked.sort((a, b) => a.rank - b.rank); // stable: file order within a rank
  return { items: ranked.map((r) => r.item), imagesPerPrompt: parsed.data.images };
}
