/**
 * Keeps a rewrite faithful to its prompt. The DALL-E 3 report's upsampler (GPT-4) keeps the
 * user's content and only adds detail; a ~1 M-parameter model mostly does, but not always
 * (it may invent an object, flip a relation or change a stated background). So every rewrite
 * is read back (`parsePrompt`, the world's caption parser) and checked against what the user
 * stated (`readPromptFacts`):
 *
 * - kept as written when it describes exactly the stated objects with every stated attribute,
 *   position, relation and background, and does not contradict itself (one cell per object,
 *   counts and relation sentences that hold);
 * - kept less its false relation and count sentences, when that is all that is wrong;
 * - otherwise repaired: the stated facts win, the model's own details (sizes, textures,
 *   colours, cells, background it chose where the user was silent) are kept where they do not
 *   conflict, cells are moved as little as possible to make the relation hold, and the scene
 *   is written again in the training captions' phrasing (`describeScene`).
 *
 * @module
 */
import {
  type ParsedObject,
  type ParsedPrompt,
  parsePrompt,
  type Relation,
} from "../judge/prompt-parser";
import { COLOURS, type Colour, isBackground, isOneOf, SIZES, TEXTURES } from "../judge/vocabulary";
import { type DescribedObject, type DescribedScene, describeScene } from "./describe-scene";
import type { PromptFacts, StatedObject } from "./prompt-facts";

export type Repair = "none" | "dropped-claims" | "rewritten";

export interface GroundedCaption {
  /** The caption to generate from: the model's own, or the repaired one. */
  readonly text: string;
  /**
   * How the model's rewrite was changed to keep the prompt's facts: not at all, its false
   * relation/count sentences dropped, or the scene written again.
   */
  readonly repair: Repair;
}

type Cell = readonly [row: number, column: number];

const HOLDS: Readonly<Record<Relation, (a: Cell, b: Cell) => boolean>> = {
  left: (a, b) => a[1] < b[1],
  right: (a, b) => a[1] > b[1],
  above: (a, b) => a[0] < b[0],
  below: (a, b) => a[0] > b[0],
};
const CELLS: readonly Cell[] = [0, 1, 2].flatMap((row) =>
  [0, 1, 2].map((col) => [row, col] as const),
);
const ATTRIBUTES = ["shape", "colour", "size", "texture", "row", "column"] as const;

const cellOf = (o: { row?: number; column?: number }): Cell | undefined =>
  o.row === undefined || o.column === undefined ? undefined : [o.row, o.column];
const sameCell = (a: Cell, b: Cell) => a[0] === b[0] && a[1] === b[1];

function agrees(stated: StatedObject, got: ParsedObject): boolean {
  return ATTRIBUTES.every((key) => stated[key] === undefined || stated[key] === got[key]);
}

function relationHolds(facts: PromptFacts, cells: readonly (Cell | undefined)[]): boolean {
  const r = facts.relation;
  if (!r) return true;
  return r.a.every((i) =>
    r.b.every((j) => {
      const [a, b] = [cells[i], cells[j]];
      return a !== undefined && b !== undefined && HOLDS[r.relation](a, b);
    }),
  );
}

/** Every ordering of `items` (at most 4 objects in this world, so at most 24). */
function* permutations<T>(items: readonly T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const tail of permutations(rest)) yield [items[i] as T, ...tail];
  }
}

/** The rewrite describes itself consistently: distinct cells, true counts and relations. */
function selfConsistent(parsed: ParsedPrompt): boolean {
  const cells = parsed.objects.map(cellOf);
  if (cells.some((c, i) => c === undefined || cells.slice(0, i).some((d) => d && sameCell(c, d)))) {
    return false;
  }
  for (const [shape, k] of Object.entries(parsed.shapeCounts)) {
    if (parsed.objects.filter((o) => o.shape === shape).length !== k) return false;
  }
  return parsed.relations.every(({ a, relation, b }) => {
    const named = (ref: typeof a) =>
      parsed.objects.filter(
        (o) => o.shape === ref.shape && (ref.colour === undefined || o.colour === ref.colour),
      );
    const [xs, ys] = [named(a), named(b)];
    const [x, y] = [xs[0] && cellOf(xs[0]), ys[0] && cellOf(ys[0])];
    return (
      xs.length === 1 &&
      ys.length === 1 &&
      x !== undefined &&
      y !== undefined &&
      HOLDS[relation](x, y)
    );
  });
}

/** Whether `parsed` keeps every stated fact of `facts`, and says nothing against itself. */
export function keepsFacts(facts: PromptFacts, parsed: ParsedPrompt): boolean {
  if (facts.background !== undefined && parsed.background !== facts.background) return false;
  const n = facts.objects.length;
  if (parsed.objects.length !== n || (parsed.count !== undefined && parsed.count !== n))
    return false;
  if (!selfConsistent(parsed)) return false;
  for (const order of permutations(parsed.objects)) {
    if (!facts.objects.every((stated, k) => agrees(stated, order[k] as ParsedObject))) continue;
    if (relationHolds(facts, order.map(cellOf))) return true;
  }
  return false;
}

/** For each stated object, the unused parsed object that agrees with it most (or none). */
function borrowFrom(facts: PromptFacts, parsed: ParsedPrompt): (ParsedObject | undefined)[] {
  const free = [...parsed.objects];
  return facts.objects.map((stated) => {
    let best = -1;
    let bestScore = -1;
    free.forEach((got, i) => {
      const score = ATTRIBUTES.filter(
        (key) => stated[key] !== undefined && stated[key] === got[key],
      ).length;
      if (score > bestScore) [best, bestScore] = [i, score];
    });
    return best < 0 ? undefined : free.splice(best, 1)[0];
  });
}

/** Cells for every object: stated ones fixed, then the model's, then the first free one. */
function placeObjects(facts: PromptFacts, borrowed: readonly (ParsedObject | undefined)[]): Cell[] {
  const cells: (Cell | undefined)[] = facts.objects.map(cellOf);
  const taken = (cell: Cell) => cells.some((c) => c && sameCell(c, cell));
  facts.objects.forEach((_, k) => {
    if (cells[k]) return;
    const theirs = borrowed[k] && cellOf(borrowed[k]);
    cells[k] = theirs && !taken(theirs) ? theirs : CELLS.find((c) => !taken(c));
  });
  const placed = cells.map((c) => c ?? CELLS[0]) as Cell[];
  return relationHolds(facts, placed) ? placed : moveForRelation(facts, placed);
}

/**
 * The fewest cell moves among the relation's objects that make it hold: every assignment of
 * free cells to the movable ones is tried (at most 9·8·7·6), stated positions never move.
 */
function moveForRelation(facts: PromptFacts, cells: Cell[]): Cell[] {
  const r = facts.relation;
  if (!r) return cells;
  const movable = [...r.a, ...r.b].filter(
    (k) => cellOf(facts.objects[k] as StatedObject) === undefined,
  );
  const fixed = cells.filter((_, k) => !movable.includes(k));
  const open = CELLS.filter((c) => !fixed.some((f) => sameCell(f, c)));
  let best: Cell[] | undefined;
  let bestMoves = Number.POSITIVE_INFINITY;
  const assign = (i: number, trial: Cell[], used: Cell[], moves: number) => {
    if (moves >= bestMoves) return;
    if (i === movable.length) {
      if (relationHolds(facts, trial)) [best, bestMoves] = [[...trial], moves];
      return;
    }
    const k = movable[i] as number;
    for (const cell of open) {
      if (used.some((u) => sameCell(u, cell))) continue;
      trial[k] = cell;
      assign(i + 1, trial, [...used, cell], moves + (sameCell(cell, cells[k] as Cell) ? 0 : 1));
    }
    trial[k] = cells[k] as Cell;
  };
  assign(0, [...cells], [], 0);
  return best ?? cells;
}

/** Stated facts first, the model's details next, the world's defaults last. */
function repairedScene(facts: PromptFacts, parsed: ParsedPrompt, seed: number): DescribedScene {
  const borrowed = borrowFrom(facts, parsed);
  const cells = placeObjects(facts, borrowed);
  const colours = Object.keys(COLOURS) as Colour[];
  const objects: DescribedObject[] = facts.objects.map((stated, k) => {
    const theirs = borrowed[k];
    const size = stated.size ?? theirs?.size;
    const texture = stated.texture ?? theirs?.texture;
    const cell = cells[k] as Cell;
    return {
      shape: stated.shape,
      colour: stated.colour ?? theirs?.colour ?? (colours[(seed + k) % colours.length] as Colour),
      size: size && isOneOf(SIZES, size) ? size : "medium",
      texture: texture && isOneOf(TEXTURES, texture) ? texture : "plain",
      row: cell[0],
      column: cell[1],
    };
  });
  // A relation sentence only where "the red star" names exactly one object.
  const unique = (k: number) =>
    objects.filter((o) => o.shape === objects[k]?.shape && o.colour === objects[k]?.colour)
      .length === 1;
  const r = facts.relation;
  const relations =
    r &&
    r.a.length === 1 &&
    r.b.length === 1 &&
    unique(r.a[0] as number) &&
    unique(r.b[0] as number)
      ? [{ a: r.a[0] as number, relation: r.relation, b: r.b[0] as number }]
      : [];
  const theirs =
    parsed.background !== undefined && isBackground(parsed.background)
      ? parsed.background
      : undefined;
  return { background: facts.background ?? theirs ?? "white", objects, relations };
}

/**
 * `rewrite` if it keeps every fact `facts` states, else the repaired scene's caption
 * (phrasing chosen by `seed`). A prompt that names no object leaves the rewrite as it is.
 */
export function groundCaption(facts: PromptFacts, rewrite: string, seed: number): GroundedCaption {
  const parsed = parsePrompt(rewrite);
  if (facts.objects.length === 0 || keepsFacts(facts, parsed)) {
    return { text: rewrite, repair: "none" };
  }
  // The small model's commonest slip: a relation or count sentence about objects it did not
  // describe ("the brown hexagon is to the right of ..."). Dropping those keeps its own text.
  const pruned = withoutFalseClaims(rewrite);
  if (pruned !== rewrite && keepsFacts(facts, parsePrompt(pruned))) {
    return { text: pruned, repair: "dropped-claims" };
  }
  return { text: describeScene(repairedScene(facts, parsed, seed), seed), repair: "rewritten" };
}

/** `rewrite` less every relation or shape-count sentence that does not hold for its objects. */
function withoutFalseClaims(rewrite: string): string {
  const kept: string[] = [];
  for (const sentence of rewrite.split(/(?<=[.!?])\s+/)) {
    const alone = parsePrompt(sentence);
    const claim = alone.relations.length > 0 || Object.keys(alone.shapeCounts).length > 0;
    if (!claim || selfConsistent(parsePrompt([...kept, sentence].join(" ")))) kept.push(sentence);
  }
  return kept.join(" ");
}
