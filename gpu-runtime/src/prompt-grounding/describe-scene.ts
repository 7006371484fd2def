/**
 * A scene graph written as a descriptive caption in the exact phrasing the image model was
 * trained on (`training/world/texts.py`, `descriptive_caption`): an intro with the background
 * and the number of objects, one sentence per object (size, colour, texture, shape, cell),
 * "there are two stars" for repeated shapes, then relation sentences. Lower case with
 * punctuation as separate words, as every text of the world; the tokenizer turns it into
 * English for people (`asEnglish` in `load-tokenizer.ts`).
 *
 * Phrasings are drawn with `SeededRandom`, so one scene and seed always give one caption.
 *
 * @module
 */
import type { Relation } from "../judge/prompt-parser";
import {
  type Background,
  COLUMNS,
  type Colour,
  NUMBER_WORDS,
  ROWS,
  SHAPE_PLURALS,
  SHAPES,
  type Shape,
  type Size,
  TEXTURE_ADJECTIVES,
  type Texture,
} from "../judge/vocabulary";
import { SeededRandom } from "../random/seeded-random";

export interface DescribedObject {
  readonly shape: Shape;
  readonly colour: Colour;
  readonly size: Size;
  readonly texture: Texture;
  readonly row: number;
  readonly column: number;
}

export interface DescribedScene {
  readonly background: Background;
  readonly objects: readonly DescribedObject[];
  /** Relation sentences to state: `objects[a]` is `relation` of `objects[b]`. */
  readonly relations: readonly {
    readonly a: number;
    readonly relation: Relation;
    readonly b: number;
  }[];
}

const TEXTURE_NOUNS: Readonly<Record<Texture, string>> = {
  plain: "no pattern",
  striped: "stripes",
  dotted: "dots",
  checkered: "a checkered pattern",
};
const RELATION_WORDS: Readonly<Record<Relation, string>> = {
  left: "is to the left of",
  right: "is to the right of",
  above: "is above",
  below: "is below",
};

function pick<T>(random: SeededRandom, options: readonly T[]): T {
  return options[
    Math.min(options.length - 1, Math.floor(random.nextFloat() * options.length))
  ] as T;
}

/** texts.py `position_phrase`: a missing row word means middle, a missing column word centre. */
function positionPhrase(o: DescribedObject, random: SeededRandom): string {
  const row = ROWS[o.row] as string;
  const col = COLUMNS[o.column] as string;
  if (row === "middle" && col === "centre") {
    return pick(random, ["in the centre", "in the middle", "in the middle centre"]);
  }
  if (row === "middle")
    return pick(random, [`on the ${col} side`, `on the ${col}`, `at the middle ${col}`]);
  if (col === "centre") return pick(random, [`at the ${row}`, `at the ${row} centre`]);
  return pick(random, [
    `at the ${row} ${col}`,
    `in the ${row} ${col}`,
    `in the ${row} ${col} corner`,
  ]);
}

function objectSentence(o: DescribedObject, random: SeededRandom): string {
  const { size, colour, shape } = o;
  const adj = pick(random, TEXTURE_ADJECTIVES[o.texture]);
  const noun = TEXTURE_NOUNS[o.texture];
  const pos = positionPhrase(o, random);
  return pick(random, [
    `a ${size} ${colour} ${adj} ${shape} is ${pos} .`,
    `${pos} there is a ${size} ${adj} ${colour} ${shape} .`,
    `a ${size} ${colour} ${shape} with ${noun} sits ${pos} .`,
    `${pos} is a ${colour} ${shape} , ${size} and ${adj} .`,
    `there is a ${adj} ${shape} ${pos} , ${size} and ${colour} .`,
  ]);
}

function intro(scene: DescribedScene, random: SeededRandom): string {
  const n = scene.objects.length;
  const word = NUMBER_WORDS[n] ?? String(n);
  const [noun, shapes, verb] = n === 1 ? ["object", "shape", "is"] : ["objects", "shapes", "are"];
  const bg = scene.background;
  return pick(random, [
    `a picture with a ${bg} background and ${word} ${noun} .`,
    `on a ${bg} background there ${verb} ${word} ${shapes} .`,
    `the image shows ${word} ${shapes} on a ${bg} background .`,
    `${word} ${noun} on a ${bg} background .`,
  ]);
}

/** The scene as one descriptive caption; `seed` chooses among the world's phrasings. */
export function describeScene(scene: DescribedScene, seed: number): string {
  const random = new SeededRandom(seed);
  const parts = [intro(scene, random), ...scene.objects.map((o) => objectSentence(o, random))];
  for (const shape of SHAPES) {
    const k = scene.objects.filter((o) => o.shape === shape).length;
    if (k > 1) parts.push(`there are ${NUMBER_WORDS[k]} ${SHAPE_PLURALS[shape]} .`);
  }
  for (const { a, relation, b } of scene.relations) {
    const [x, y] = [scene.objects[a], scene.objects[b]];
    if (!x || !y)
      throw new RangeError(`relation between objects ${a} and ${b} of ${scene.objects.length}`);
    parts.push(
      `the ${x.colour} ${x.shape} ${RELATION_WORDS[relation]} the ${y.colour} ${y.shape} .`,
    );
  }
  return parts.join(" ");
}
