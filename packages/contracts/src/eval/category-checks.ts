/**
 * One 0/1 outcome per image for its category: does the scene the judge read back satisfy
 * *everything* the prompt states of that category? T2I-CompBench's B-VQA scores a prompt by
 * the product of its per-object answers (Huang et al. 2023, §4.1); with the judge's 0/1
 * answers that product is "every check passes". The checks themselves are the judge's
 * ({@link scoreStated}), plus two it does not score, written the same way: the background read
 * is the one stated, and each stated size sits on an object of its shape (binding, as colour
 * and texture are).
 *
 * @module
 */
import type { CompBenchScores, SceneGraph } from "../runtime-procedures";
import { scoreStated } from "./compbench-checks";
import type { Category, Expectation } from "./suite";

/** 1 passed, 0 failed, null the prompt states nothing this category checks. */
export type Outcome = 0 | 1 | null;

const allPass = (score: number | null): Outcome => (score === null ? null : score === 1 ? 1 : 0);

function sizeBinding(expected: Expectation, scene: SceneGraph): Outcome {
  const stated = expected.objects.filter((o) => o.size !== undefined);
  if (!stated.length) return null;
  const bound = stated.every((want) =>
    scene.objects.some((o) => o.shape === want.shape && o.size === want.size),
  );
  return bound ? 1 : 0;
}

function background(expected: Expectation, scene: SceneGraph): Outcome {
  if (expected.background === undefined) return null;
  return scene.background === expected.background ? 1 : 0;
}

/** The judge's T2I-CompBench scores (means of its 0/1 checks) and this category's outcome. */
export function checkCategory(
  category: Category,
  expected: Expectation,
  scene: SceneGraph,
): { scores: CompBenchScores; outcome: Outcome } {
  const scores = scoreStated(expected, scene);
  const outcome: Record<Category, () => Outcome> = {
    colour: () => allPass(scores.colourBinding),
    shape: () => allPass(scores.shapeBinding),
    texture: () => allPass(scores.textureBinding),
    // One object: its colour on its shape (colour binding already asks for the shape).
    single: () => allPass(scores.colourBinding),
    counting: () => allPass(scores.counting),
    spatial: () => allPass(scores.spatial),
    background: () => background(expected, scene),
    size: () => sizeBinding(expected, scene),
  };
  return { scores, outcome: outcome[category]() };
}
