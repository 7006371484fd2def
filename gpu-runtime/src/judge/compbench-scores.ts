/**
 * T2I-CompBench-style scores of a prompt against the scene graph the judge read from an image
 * (the definitions of `training/judge/score.py`). Each score is the mean of 0/1 checks, so it
 * lies in [0, 1], and is `null` when the prompt states nothing it could check:
 * - colourBinding:  per prompt object with a colour: does an object of that shape have it?
 * - shapeBinding:   per prompt object: is an object of that shape present?
 * - textureBinding: per prompt object with a texture: does an object of that shape have it?
 * - counting:       per stated count (all objects; each counted shape): does it match?
 * - spatial:        per stated relation: does it hold between the grid cells of the first
 *                   (reading-order) objects matching each side's colour and shape?
 *
 * Binding is T2I-CompBench's "attribute binding": the attribute must sit on an object of the
 * named shape, not merely appear somewhere in the image.
 *
 * @example
 * ```ts
 * compBenchScores("a red star above a blue circle", readScene(image));
 * // { colourBinding: 1, shapeBinding: 1, textureBinding: null, counting: null, spatial: 1 }
 * ```
 *
 * @module
 */
import type { CompBenchScores, SceneGraph, SceneGraphObject } from "@limner/contracts";
import { type ParsedPrompt, parsePrompt, type Relation } from "./prompt-parser";
import { COLUMNS, ROWS } from "./vocabulary";

function mean(checks: readonly boolean[]): number | null {
  return checks.length ? checks.filter(Boolean).length / checks.length : null;
}

function cell(object: SceneGraphObject): { row: number; column: number } {
  return {
    row: ROWS.indexOf(object.position.row),
    column: COLUMNS.indexOf(object.position.column),
  };
}

const HOLDS: Readonly<Record<Relation, (a: SceneGraphObject, b: SceneGraphObject) => boolean>> = {
  left: (a, b) => cell(a).column < cell(b).column,
  right: (a, b) => cell(a).column > cell(b).column,
  above: (a, b) => cell(a).row < cell(b).row,
  below: (a, b) => cell(a).row > cell(b).row,
};

/** Scores an already parsed prompt (see {@link compBenchScores}). */
export function scoreParsed(prompt: ParsedPrompt, scene: SceneGraph): CompBenchScores {
  const found = scene.objects;
  const find = (shape: string, colour?: string) =>
    found.filter((o) => o.shape === shape && (colour === undefined || o.colour === colour));
  const colour: boolean[] = [];
  const shape: boolean[] = [];
  const texture: boolean[] = [];
  for (const want of prompt.objects) {
    const sameShape = find(want.shape);
    shape.push(sameShape.length > 0);
    if (want.colour !== undefined) colour.push(sameShape.some((o) => o.colour === want.colour));
    if (want.texture !== undefined) texture.push(sameShape.some((o) => o.texture === want.texture));
  }
  const counting: boolean[] = [];
  if (prompt.count !== undefined) counting.push(found.length === prompt.count);
  for (const [name, k] of Object.entries(prompt.shapeCounts))
    counting.push(find(name).length === k);
  const spatial = prompt.relations.map(({ a, relation, b }) => {
    const [first] = find(a.shape, a.colour);
    const [second] = find(b.shape, b.colour);
    return first !== undefined && second !== undefined && HOLDS[relation](first, second);
  });
  return {
    colourBinding: mean(colour),
    shapeBinding: mean(shape),
    textureBinding: mean(texture),
    counting: mean(counting),
    spatial: mean(spatial),
  };
}

/** Parses `prompt` and scores it against `scene`. */
export function compBenchScores(prompt: string, scene: SceneGraph): CompBenchScores {
  return scoreParsed(parsePrompt(prompt), scene);
}
