/**
 * T2I-CompBench-style scores of what a prompt states against the scene graph the judge read from
 * an image (the definitions of `training/judge/score.py`). Each score is the mean of 0/1 checks,
 * so it lies in [0, 1], and is `null` when the prompt states nothing it could check:
 * - colourBinding:  per prompt object with a colour: does an object of that shape have it?
 * - shapeBinding:   per prompt object: is an object of that shape present?
 * - textureBinding: per prompt object with a texture: does an object of that shape have it?
 * - counting:       per stated count (all objects; each counted shape): does it match?
 * - spatial:        per stated relation: does it hold between the grid cells of the first
 *                   (reading-order) objects matching each side's colour and shape?
 *
 * Binding is T2I-CompBench's "attribute binding": the attribute must sit on an object of the
 * named shape, not merely appear somewhere in the image. The runtime's judge scores a parsed
 * prompt with it; the evaluation scores a suite item's stated facts with it.
 *
 * @example
 * ```ts
 * scoreStated({ objects: [{ shape: "star", colour: "red" }], shapeCounts: {}, relations: [] }, scene);
 * // { colourBinding: 1, shapeBinding: 1, textureBinding: null, counting: null, spatial: null }
 * ```
 *
 * @module
 */
import {
  type CompBenchScores,
  type SceneGraph,
  type SceneGraphObject,
  SceneGraphPosition,
} from "../runtime-procedures";
import type { Expectation } from "./suite";

export type Relation = Expectation["relations"][number]["relation"];

const ROWS: readonly string[] = SceneGraphPosition.shape.row.options;
const COLUMNS: readonly string[] = SceneGraphPosition.shape.column.options;

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

/** Scores what a prompt states (parsed, or a suite item's expectation) against `scene`. */
export function scoreStated(stated: Expectation, scene: SceneGraph): CompBenchScores {
  const found = scene.objects;
  const find = (shape: string, colour?: string) =>
    found.filter((o) => o.shape === shape && (colour === undefined || o.colour === colour));
  const colour: boolean[] = [];
  const shape: boolean[] = [];
  const texture: boolean[] = [];
  for (const want of stated.objects) {
    const sameShape = find(want.shape);
    shape.push(sameShape.length > 0);
    if (want.colour !== undefined) colour.push(sameShape.some((o) => o.colour === want.colour));
    if (want.texture !== undefined) texture.push(sameShape.some((o) => o.texture === want.texture));
  }
  const counting: boolean[] = [];
  if (stated.count !== undefined) counting.push(found.length === stated.count);
  for (const [name, k] of Object.entries(stated.shapeCounts))
    counting.push(find(name).length === k);
  const spatial = stated.relations.map(({ a, relation, b }) => {
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
