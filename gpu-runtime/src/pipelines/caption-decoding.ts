/**
 * Autoregressive search for the captioner: greedy decoding and beam search over a model that
 * is only seen through a {@link NextTokenScorer} (a batch of equal-length token sequences in,
 * next-token log-probabilities out). Keeping the search free of sessions and tensors lets the
 * image-to-text pipeline own the model plumbing and lets tests drive the search with a table.
 *
 * Beam search follows Hugging Face transformers' `BeamSearchScorer` (the `early_stopping=False`
 * heuristic) with one simplification: each step keeps the `2 × beams` best continuations by
 * summed log-probability, moves those ending in EOS to the finished list (while it has room or
 * they beat its worst) and continues the best `beams` others.
 *
 * **Length normalisation.** A finished hypothesis of `n` generated tokens (its EOS counted,
 * the prompt not) is ranked by `Σ log p / n ** lengthPenalty` (transformers' `length_penalty`;
 * GNMT, Wu et al. 2016, §7 uses a smoothed variant). With the default `lengthPenalty = 1` that
 * is the mean per-token log-probability, so a long descriptive caption is not beaten by a
 * short one merely because every extra token multiplies in a probability below one.
 *
 * @example
 * ```ts
 * const ids = await beamSearch(scorer, { prefix: [bos, desc], eosId: eos, maxNewTokens: 110, beams: 3 });
 * ```
 *
 * @module
 */

/**
 * Next-token log-probabilities (length = vocabulary size) for each sequence of `sequences`,
 * in order. All sequences in one call have the same length.
 */
export type NextTokenScorer = (
  sequences: readonly (readonly number[])[],
) => Promise<Float32Array[]>;

export interface DecodeOptions {
  /** Tokens the model is conditioned on, e.g. `[BOS] [MODE]`; not part of the result. */
  readonly prefix: readonly number[];
  readonly eosId: number;
  /** Generated tokens at most, EOS included. */
  readonly maxNewTokens: number;
  /** Checked before every model call; an abort rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface BeamSearchOptions extends DecodeOptions {
  /** Hypotheses kept per step (1 behaves like greedy decoding). */
  readonly beams: number;
  /** Exponent of the length in the normalisation (see the module docs); default 1. */
  readonly lengthPenalty?: number;
}

/** `log softmax(logits)`, computed stably (max subtracted before exponentiating). */
export function logSoftmax(logits: Float32Array): Float32Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const value of logits) if (value > max) max = value;
  let sum = 0;
  for (const value of logits) sum += Math.exp(value - max);
  const logSum = max + Math.log(sum);
  return logits.map((value) => value - logSum);
}

/** Index of the largest value; the lowest index wins ties, so decoding is deterministic. */
export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) {
    if ((values[i] ?? Number.NEGATIVE_INFINITY) > (values[best] ?? Number.NEGATIVE_INFINITY)) {
      best = i;
    }
  }
  return best;
}

/** Most likely token at every step until EOS or `maxNewTokens`; returns the generated ids without EOS. */
export async function greedyDecode(
  score: NextTokenScorer,
  options: DecodeOptions,
): Promise<number[]> {
  const { prefix, eosId, maxNewTokens, signal } = options;
  const generated: number[] = [];
  while (generated.length < maxNewTokens) {
    signal?.throwIfAborted();
    const [logProbs] = await score([[...prefix, ...generated]]);
    if (!logProbs) throw new Error("the scorer returned no log-probabilities");
    const next = argmax(logProbs);
    if (next === eosId) break;
    generated.push(next);
  }
  return generated;
}

interface Hypothesis {
  readonly tokens: readonly number[];
  /** Σ log p of `tokens` (and of the EOS, for a finished hypothesis). */
  readonly logProb: number;
}

interface Finished {
  readonly tokens: readonly number[];
  readonly score: number;
}

/**
 * Beam search with length-normalised scores (module docs); returns the best hypothesis's
 * generated ids without EOS. Ties are broken by beam order, then token id, so equal inputs
 * give equal captions.
 */
export async function beamSearch(
  score: NextTokenScorer,
  options: BeamSearchOptions,
): Promise<number[]> {
  const { prefix, eosId, maxNewTokens, signal } = options;
  const beams = Math.floor(options.beams);
  if (!(beams >= 1)) throw new RangeError(`beams must be a positive integer, got ${options.beams}`);
  const lengthPenalty = options.lengthPenalty ?? 1;
  const normalised = (logProb: number, length: number) =>
    logProb / Math.max(1, length) ** lengthPenalty;

  const finished: Finished[] = [];
  const addFinished = (tokens: readonly number[], logProb: number, length: number) => {
    finished.push({ tokens, score: normalised(logProb, length) });
    // Stable sort keeps the earlier (better-ranked) of two equal scores first.
    finished.sort((a, b) => b.score - a.score);
    finished.length = Math.min(finished.length, beams);
  };
  const worstFinished = () => finished[finished.length - 1]?.score ?? Number.NEGATIVE_INFINITY;

  let alive: Hypothesis[] = [{ tokens: [], logProb: 0 }];
  for (let step = 0; step < maxNewTokens && alive.length > 0; step++) {
    signal?.throwIfAborted();
    const logProbs = await score(alive.map((h) => [...prefix, ...h.tokens]));
    const candidates = topCandidates(alive, logProbs, 2 * beams);
    const next: Hypothesis[] = [];
    for (const c of candidates) {
      const parent = alive[c.beam];
      if (!parent) continue;
      if (c.token === eosId) {
        const length = parent.tokens.length + 1;
        if (finished.length < beams || normalised(c.logProb, length) > worstFinished()) {
          addFinished(parent.tokens, c.logProb, length);
        }
      } else if (next.length < beams) {
        next.push({ tokens: [...parent.tokens, c.token], logProb: c.logProb });
      }
    }
    alive = next;
    // transformers' heuristic stop: with the finished list full, the best live beam scored
    // at its current length can no longer beat the worst finished hypothesis.
    const best = alive[0];
    if (
      finished.length >= beams &&
      (!best || normalised(best.logProb, best.tokens.length) <= worstFinished())
    ) {
      break;
    }
  }
  // Out of budget: live beams compete as they are, without an EOS.
  for (const h of alive) {
    if (finished.length < beams || normalised(h.logProb, h.tokens.length) > worstFinished()) {
      addFinished(h.tokens, h.logProb, h.tokens.length);
    }
  }
  const winner = finished[0];
  return winner ? [...winner.tokens] : [];
}

interface Candidate {
  readonly beam: number;
  readonly token: number;
  readonly logProb: number;
}

/** The `count` best one-token continuations of `alive`, best first (ties: beam, then token). */
function topCandidates(
  alive: readonly Hypothesis[],
  logProbs: readonly Float32Array[],
  count: number,
): Candidate[] {
  const top: Candidate[] = [];
  alive.forEach((hypothesis, beam) => {
    const row = logProbs[beam];
    if (!row) throw new Error(`the scorer returned no log-probabilities for beam ${beam}`);
    row.forEach((logProb, token) => {
      const total = hypothesis.logProb + logProb;
      if (top.length === count && total <= (top[count - 1]?.logProb ?? 0)) return;
      // Insert keeping `top` sorted; strictly-greater comparison keeps earlier candidates first.
      let at = top.length;
      while (at > 0 && total > (top[at - 1]?.logProb ?? 0)) at--;
      top.splice(at, 0, { beam, token, logProb: total });
      if (top.length > count) top.pop();
    });
  });
  return top;
}
