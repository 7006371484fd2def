/**
 * `POST /v1/images/scores` (a Limner extension): how well an image follows a prompt, read by the
 * runtime's judge — an evaluator independent of the generator that reads the scene graph back
 * from the pixels — with T2I-CompBench-style scores (Huang et al. 2023) of the prompt against
 * it, and the captioner's contrastive image–text similarity (a CLIP-score analogue). What
 * `limner eval` measures a deployment with.
 *
 * The wire format is snake_case; the runtime's `score` procedure is camelCase, translated by
 * {@link toScoreResponse}, the one place.
 *
 * @module
 */
import { z } from "zod";
import { InlineImage } from "./captions";
import { MAX_PROMPT_LENGTH } from "./images";
import { type RuntimeScoreResult, SceneGraph } from "./runtime-procedures";

/**
 * The body of `POST /v1/images/scores` (JSON; multipart `file` + `prompt` is accepted too).
 *
 * @example
 * ```ts
 * ScoreRequest.parse({ image: "data:image/png;base64,iVBORw0KGgo=", prompt: "a red star" });
 * ```
 */
export const ScoreRequest = z.strictObject({
  image: InlineImage,
  /** The prompt to score the image against (what the user asked for, not a rewrite). */
  prompt: z.string().min(1).max(MAX_PROMPT_LENGTH),
  /** Whose contrastive towers give the similarity; the deployment's default model if absent. */
  model: z.string().min(1).optional(),
});
/** What a client may send. */
export type ScoreRequestInput = z.input<typeof ScoreRequest>;
/** A validated score request. */
export type ScoreRequest = z.output<typeof ScoreRequest>;

/** A fraction in [0, 1], or `null` when the prompt states nothing this score could check. */
const Fraction = z.number().min(0).max(1).nullable();

/** The five T2I-CompBench-style scores, each the mean of the judge's 0/1 checks. */
export const PromptScores = z.object({
  colour_binding: Fraction,
  shape_binding: Fraction,
  texture_binding: Fraction,
  counting: Fraction,
  spatial: Fraction,
});
/** The parsed shape of {@link PromptScores}. */
export type PromptScores = z.infer<typeof PromptScores>;

export const ScoreResponse = z.object({
  /** The model whose towers gave the similarity. */
  model: z.string(),
  /** Cosine of the image and prompt embeddings in [-1, 1]; null without contrastive towers. */
  similarity: z.number().nullable(),
  /** What the judge read: background and objects (shape, colour, size, texture, grid cell). */
  scene_graph: SceneGraph,
  scores: PromptScores,
});
/** The parsed shape of {@link ScoreResponse}. */
export type ScoreResponse = z.infer<typeof ScoreResponse>;

/** The runtime's `score` result in the edge's wire format. */
export function toScoreResponse(result: RuntimeScoreResult): ScoreResponse {
  const { scores } = result;
  return {
    model: result.model,
    similarity: result.similarity,
    scene_graph: result.sceneGraph,
    scores: {
      colour_binding: scores.colourBinding,
      shape_binding: scores.shapeBinding,
      texture_binding: scores.textureBinding,
      counting: scores.counting,
      spatial: scores.spatial,
    },
  };
}
