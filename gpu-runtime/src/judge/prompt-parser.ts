/**
 * Reads scene facts out of a prompt or caption: a port of `training/world/parser.py`. It
 * understands every phrasing the world's captions use (short: "a red star and a blue circle";
 * descriptive: intro with background and count, one sentence per object, shape counts,
 * relations) and tolerates prompts written in the same style by people or the upsampler.
 * Attributes a prompt does not mention stay `undefined`.
 *
 * One deliberate difference from the Python parser: a sentence that names several shapes and
 * is not a relation ("a red star and a blue circle") yields one object per shape mention,
 * where the Python parser keeps only the first, so short captions are read in full.
 *
 * @module
 */
import {
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
  type Texture,
} from "./vocabulary";

export interface ParsedObject {
  shape: Shape;
  colour?: Colour;
  size?: Size;
  texture?: Texture;
  /** 0 top … 2 bottom. */
  row?: number;
  /** 0 left … 2 right. */
  column?: number;
}

export type Relation = "left" | "right" | "above" | "below";

/** "the red star is to the left of the blue circle": `a` is `relation` of `b`. */
export interface ParsedRelation {
  a: { colour?: Colour; shape: Shape };
  relation: Relation;
  b: { colour?: Colour; shape: Shape };
}

export interface ParsedPrompt {
  objects: ParsedObject[];
  background?: string;
  /** Total number of objects, when stated. */
  count?: number;
  /** Stated counts of one shape ("there are two stars"). */
  shapeCounts: Partial<Record<Shape, number>>;
  relations: ParsedRelation[];
}

const TEXTURE_WORDS: Readonly<Record<string, Texture>> = {
  plain: "plain",
  solid: "plain",
  "no pattern": "plain",
  striped: "striped",
  stripes: "striped",
  dotted: "dotted",
  spotted: "dotted",
  dots: "dotted",
  checkered: "checkered",
};
// Longest phrase first, so "no pattern" is found before any single word.
const TEXTURE_PHRASES = Object.entries(TEXTURE_WORDS).sort((a, b) => b[0].length - a[0].length);
const PLURAL_TO_SHAPE = new Map<string, Shape>(SHAPES.map((s) => [SHAPE_PLURALS[s], s]));
const RELATIONS: readonly (readonly [phrase: string, relation: Relation])[] = [
  ["to the left of", "left"],
  ["to the right of", "right"],
  ["left of", "left"],
  ["right of", "right"],
  ["above", "above"],
  ["below", "below"],
];

/** Lower case, punctuation as separate words, single spaces. */
export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/([.,:;!?])/g, " $1 ")
    .replace(/\s+/g, " ")
    .trim();
}

function sentences(text: string): string[] {
  return normalise(text)
    .split(/[.;!?]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function words(sentence: string): string[] {
  return sentence.replaceAll(",", " ").split(" ").filter(Boolean);
}

const firstColour = (ws: readonly string[]) => ws.find(isColour);
const firstShape = (ws: readonly string[]) => ws.find((w) => isOneOf(SHAPES, w));
/** Index in `list` of the first word of `ws` that is in it. */
function firstIndexIn(list: readonly string[], ws: readonly string[]): number | undefined {
  for (const w of ws) {
    const index = list.indexOf(w);
    if (index >= 0) return index;
  }
  return undefined;
}

function textureOf(sentence: string): Texture | undefined {
  const padded = ` ${sentence.replaceAll(",", " ")} `;
  return TEXTURE_PHRASES.find(([phrase]) => padded.includes(` ${phrase} `))?.[1];
}

/** A missing row word means the middle row ("on the left"), a missing column the centre. */
function positionOf(ws: readonly string[]): Pick<ParsedObject, "row" | "column"> {
  const row = firstIndexIn(ROWS, ws);
  const column = firstIndexIn(COLUMNS, ws);
  if (row === undefined && column === undefined) return {};
  return { row: row ?? 1, column: column ?? 1 };
}

function objectOf(sentence: string): ParsedObject | undefined {
  const ws = words(sentence);
  const shape = firstShape(ws);
  if (!shape) return undefined;
  return {
    shape,
    colour: firstColour(ws),
    size: ws.find((w) => isOneOf(SIZES, w)),
    texture: textureOf(sentence),
    ...positionOf(ws),
  };
}

function relationOf(sentence: string): ParsedRelation | undefined {
  for (const [phrase, relation] of RELATIONS) {
    const at = ` ${sentence} `.indexOf(` ${phrase} `);
    if (at < 0) continue;
    const before = words(sentence.slice(0, at));
    const after = words(sentence.slice(at + phrase.length));
    const shapeA = firstShape(before);
    const shapeB = firstShape(after);
    if (shapeA && shapeB) {
      return {
        a: { colour: firstColour(before), shape: shapeA },
        relation,
        b: { colour: firstColour(after), shape: shapeB },
      };
    }
  }
  return undefined;
}

/**
 * Every shape mention with the attribute words just before it: for short captions and
 * free-form prompts ("a small red star and a striped blue circle").
 */
export function parseMentions(text: string): ParsedObject[] {
  const mentions: ParsedObject[] = [];
  let pending: Omit<ParsedObject, "shape"> = {};
  for (const word of words(normalise(text).replaceAll(".", " "))) {
    if (isColour(word)) pending.colour = word;
    else if (isOneOf(SIZES, word)) pending.size = word;
    else if (Object.hasOwn(TEXTURE_WORDS, word)) pending.texture = TEXTURE_WORDS[word];
    else if (isOneOf(SHAPES, word)) {
      mentions.push({ ...pending, shape: word });
      pending = {};
    }
  }
  return mentions;
}

/**
 * Sentence by sentence: background/count, relation, shape count, or object sentences. When no
 * object sentence is found (a relation-only prompt), the bare mentions are the objects, as the
 * Python scorer does.
 */
export function parsePrompt(text: string): ParsedPrompt {
  const out: ParsedPrompt = { objects: [], shapeCounts: {}, relations: [] };
  for (const sentence of sentences(text)) {
    const ws = words(sentence);
    const number = firstIndexIn(NUMBER_WORDS, ws);
    if (ws.includes("background")) {
      const background = ws.find(isBackground);
      if (background) out.background = background;
      if (number !== undefined) out.count = number;
      continue;
    }
    const relation = relationOf(sentence);
    if (relation) {
      out.relations.push(relation);
      continue;
    }
    const plural = ws.map((w) => PLURAL_TO_SHAPE.get(w)).find((s) => s !== undefined);
    const singular = ws.filter((w) => isOneOf(SHAPES, w)).length;
    if (plural && number !== undefined && singular === 0) {
      out.shapeCounts[plural] = number;
      continue;
    }
    if (plural && number !== undefined && out.count === undefined) out.count = number;
    if (singular > 1) out.objects.push(...parseMentions(sentence));
    else {
      const object = objectOf(sentence);
      if (object) out.objects.push(object);
    }
  }
  if (out.objects.length === 0) out.objects = parseMentions(text);
  return out;
}
