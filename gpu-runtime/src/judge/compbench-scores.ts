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
 * named shape, not merely appear somewhere in the image. The checks live in
 * `@limner/contracts/eval` (`scoreStated`), where the evaluation applies them to a suite's
 * stated facts as well.
 *
 * @example
 * ```ts
 * compBenchScores("a red star above a blue circle", readScene(image));
 * // { colourBinding: 1, shapeBinding: 1, textureBinding: null, counting: null, spatial: 1 }
 * ```
 *
 * @module
 */
import type { CompBenchScores, SceneGraph } from "@limner/contracts";
import { scoreStated } from "@limner/contracts/eval";
import { parsePrompt } from "./prompt-parser";

/** Parses `prompt` and scores it against `scene`. */
export function compBenchScores(prompt: string, scene: SceneGraph): CompBenchScores {
  return scoreStated(parsePrompt(prompt), scene);
}
