/**
 * What a user's prompt states about the scene, read with the shapes world's closed vocabulary:
 * its objects (a count such as "two red stars" states two objects), each object's shape and
 * the colour, size, texture and grid position it is given, one spatial relation between two
 * objects, and the background. Whatever the prompt does not say stays `undefined`: that is
 * where the upsampler may add detail; everything here it must keep.
 *
 * The reader is deliberately separate from the judge's caption parser
 * (`src/judge/prompt-parser.ts`), which reads the world's descriptive captions; user prompts
 * are lists of mentions ("a large red striped star , two blue circles and a heart on a black
 * background"), with counts and relations between mentions.
 *
 * @example
 * ```ts
 * readPromptFacts("A red star above two striped circles, on a black background.");
 * // { objects: [{shape:"star",colour:"red"}, {shape:"circle",texture:"striped"} ×2],
 * //   relation: { a: 0, relation: "above", b: 1 }, background: "black" }
 * ```
 *
 * @module
 */
import type { Relation } from "../judge/prompt-parser";
import {
  type Background,
  COLUMNS,
  type Colour,
  isBackground,
  isColour,
  isOneOf,
  NUMBER_WORDS,
  ROWS,
  SHAPE_PLURALS,
  SHAPES,
  type Shape,
  SIZES,
  type Size,
  TEXTURE_ADJECTIVES,
  type Texture,
} from "../judge/vocabulary";

export interface StatedObject {
  readonly shape: Shape;
  readonly colour?: Colour;
  readonly size?: Size;
  readonly texture?: Texture;
  /** 0 top … 2 bottom; a position word without a row ("on the left") means the middle row. */
  readonly row?: number;
  /** 0 left … 2 right; a row word alone ("at the top") means the centre column. */
  readonly column?: number;
}

/** Objects `a` are `relation` of objects `b` (indices into `objects`; a count is a group). */
export interface StatedRelation {
  readonly a: readonly number[];
  readonly relation: Relation;
  readonly b: readonly number[];
}

export interface PromptFacts {
  readonly objects: readonly StatedObject[];
  readonly relation?: StatedRelation;
  readonly background?: Background;
}

// Everyday words for the world's own: the image model only knows the world's vocabulary.
const SYNONYMS: Readonly<Record<string, string>> = {
  grey: "gray",
  big: "large",
  tiny: "small",
  center: "centre",
};
const TEXTURE_OF_ADJECTIVE = new Map<string, Texture>(
  Object.entries(TEXTURE_ADJECTIVES).flatMap(([texture, words]) =>
    words.map((w) => [w, texture as Texture]),
  ),
);
// After a shape: "a star with stripes" (and "with a checkered pattern", "with no pattern").
const TEXTURE_NOUNS: Readonly<Record<string, Texture>> = {
  stripes: "striped",
  dots: "dotted",
  spots: "dotted",
};
const RELATION_PHRASES: readonly (readonly [words: readonly string[], relation: Relation])[] = [
  [["to", "the", "left", "of"], "left"],
  [["to", "the", "right", "of"], "right"],
  [["left", "of"], "left"],
  [["right", "of"], "right"],
  [["above"], "above"],
  [["below"], "below"],
  [["under"], "below"],
];
const PLURAL_SHAPES = new Map<string, Shape>(SHAPES.map((shape) => [SHAPE_PLURALS[shape], shape]));

/** Lower case, world synonyms, punctuation as separate words. */
export function promptWords(prompt: string): string[] {
  return prompt
    .toLowerCase()
    .replace(/([.,:;!?])/g, " $1 ")
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => SYNONYMS[word] ?? word);
}

function matchesAt(words: readonly string[], at: number, phrase: readonly string[]): boolean {
  return phrase.every((word, i) => words[at + i] === word);
}

interface Mention {
  readonly first: number;
  count: number;
  object: { -readonly [K in keyof StatedObject]: StatedObject[K] };
}

/** Reads what `prompt` states; a prompt naming no shape states no objects. */
export function readPromptFacts(prompt: string): PromptFacts {
  const words = promptWords(prompt);
  let background: Background | undefined;
  const mentions: Mention[] = [];
  let pending: Omit<StatedObject, "shape"> & { count?: number } = {};
  let relation: { relation: Relation; after: number } | undefined;
  let objects = 0;

  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const last = mentions.at(-1);
    const phrase = RELATION_PHRASES.find(([p]) => matchesAt(words, i, p));
    if (phrase && last && relation === undefined) {
      relation = { relation: phrase[1], after: mentions.length };
      i += phrase[0].length - 1;
      pending = {};
    } else if (isBackground(word) && words[i + 1] === "background") {
      background = word;
      i += 1;
    } else if (isColour(word)) pending = { ...pending, colour: word };
    else if (isOneOf(SIZES, word)) pending = { ...pending, size: word };
    else if (TEXTURE_OF_ADJECTIVE.has(word) && words[i + 1] !== "pattern") {
      pending = { ...pending, texture: TEXTURE_OF_ADJECTIVE.get(word) };
    } else if (isOneOf(NUMBER_WORDS, word) && word !== "zero") {
      pending = { ...pending, count: NUMBER_WORDS.indexOf(word) };
    } else if (isOneOf(SHAPES, word) || PLURAL_SHAPES.has(word)) {
      const plural = PLURAL_SHAPES.get(word);
      const { count, ...attributes } = pending;
      const n = plural ? (count ?? 2) : 1;
      mentions.push({
        first: objects,
        count: n,
        object: { ...attributes, shape: plural ?? (word as Shape) },
      });
      objects += n;
      pending = {};
    } else if (last && words[i - 1] === "with" && Object.hasOwn(TEXTURE_NOUNS, word)) {
      last.object.texture = TEXTURE_NOUNS[word];
    } else if (
      last &&
      word === "pattern" &&
      (words[i - 1] === "no" || words[i - 1] === "checkered")
    ) {
      last.object.texture = words[i - 1] === "no" ? "plain" : "checkered";
    } else if (last && (isOneOf(ROWS, word) || isOneOf(COLUMNS, word))) {
      placeAfterShape(last, word);
    }
  }

  const expanded: StatedObject[] = mentions.flatMap((m) => Array(m.count).fill(m.object));
  const facts: { -readonly [K in keyof PromptFacts]: PromptFacts[K] } = { objects: expanded };
  if (background) facts.background = background;
  if (relation && relation.after > 0 && relation.after < mentions.length) {
    const indices = (m: Mention) => Array.from({ length: m.count }, (_, k) => m.first + k);
    facts.relation = {
      a: indices(mentions[relation.after - 1] as Mention),
      relation: relation.relation,
      b: indices(mentions[relation.after] as Mention),
    };
  }
  return facts;
}

/** "a star at the top left": row and column words after a shape place that mention. */
function placeAfterShape(mention: Mention, word: string): void {
  const o = mention.object;
  if (isOneOf(ROWS, word)) {
    // "in the middle" alone is the centre cell; "middle" before a column word is the row.
    o.row = ROWS.indexOf(word);
    o.column ??= 1;
  } else if (isOneOf(COLUMNS, word)) {
    o.column = COLUMNS.indexOf(word);
    o.row ??= 1;
  }
}
