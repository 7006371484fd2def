/**
 * Count grounding for limner-mini's descriptive captions: the decoder decides *when* to say
 * how many objects there are ("… and three objects"), the image encoder's presence head
 * decides *which* number. Counting by attention is the decoder's weakest skill, and a wrong
 * count word makes it repeat or drop objects to match; the presence head counts reliably.
 *
 * Until one of the number words has been generated, all of their probability mass
 * (logsumexp of their log-probabilities) goes to the word for the encoder's count and the
 * others get -∞. The rows stay normalised, so greedy decoding and beam search run unchanged on
 * a scorer wrapped by {@link withCountGrounding}. The manifest describes it per mode
 * (`decoding.modes.descriptive.count_grounding`); training/captioner/model.py's
 * `CountGrounding` is the same rule in PyTorch.
 *
 * @module
 */
import type { NextTokenScorer } from "./caption-decoding";

/**
 * `logProbs` grounded for a caption that has generated `generated` so far. `numberIds[k - 1]`
 * is the token for the count `k`; `count` is clamped into `1 … numberIds.length`.
 */
export function groundCount(
  logProbs: Float32Array,
  generated: readonly number[],
  numberIds: readonly number[],
  count: number,
): Float32Array {
  if (generated.some((id) => numberIds.includes(id))) return logProbs;
  let max = Number.NEGATIVE_INFINITY;
  for (const id of numberIds) max = Math.max(max, logProbs[id] ?? Number.NEGATIVE_INFINITY);
  let sum = 0;
  for (const id of numberIds) sum += Math.exp((logProbs[id] ?? Number.NEGATIVE_INFINITY) - max);
  const grounded = logProbs.slice();
  for (const id of numberIds) grounded[id] = Number.NEGATIVE_INFINITY;
  const index = Math.min(Math.max(Math.round(count), 1), numberIds.length) - 1;
  const target = numberIds[index];
  if (target !== undefined) grounded[target] = max + Math.log(sum);
  return grounded;
}

/** `scorer` with {@link groundCount} applied to each sequence's tokens after `prefixLength`. */
export function withCountGrounding(
  scorer: NextTokenScorer,
  prefixLength: number,
  numberIds: readonly number[],
  count: number,
): NextTokenScorer {
  return async (sequences) => {
    const rows = await scorer(sequences);
    return rows.map((row, i) =>
      groundCount(row, sequences[i]?.slice(prefixLength) ?? [], numberIds, count),
    );
  };
}
