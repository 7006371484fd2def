/**
 * A text encoder's input framing from its manifest entry: `[BOS] words [EOS]`, right-padded
 * with `[PAD]`; truncation drops words, never the framing tokens. A limner bundle's word-level
 * tokenizer adds no special tokens itself (its captioner frames its own inputs the same way).
 *
 * @module
 */
import type { TextTokenizer } from "./load-tokenizer";

export interface Framing {
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
}

/** `inner` with `ids`' framing; throws when an id is outside the vocabulary. */
export function framedTokenizer(inner: TextTokenizer, ids: Framing): TextTokenizer {
  for (const id of Object.values(ids)) {
    if (id >= inner.vocabSize)
      throw new Error(`token id ${id} is outside the tokenizer's vocabulary`);
  }
  return {
    vocabSize: inner.vocabSize,
    modelMaxLength: inner.modelMaxLength,
    padId: ids.padId,
    tokenToId: (token) => inner.tokenToId(token),
    decode: (tokens, options) => inner.decode(tokens, options),
    encode(text, options = {}) {
      const maxLength = options.maxLength ?? inner.modelMaxLength;
      let words = inner.encode(text).ids;
      if (options.truncation && maxLength !== undefined)
        words = words.slice(0, Math.max(0, maxLength - 2));
      const framed = [ids.bosId, ...words, ids.eosId];
      const attentionMask = framed.map(() => 1);
      if (options.padding === "max_length") {
        if (maxLength === undefined) throw new RangeError("padding to max_length needs maxLength");
        while (framed.length < maxLength) {
          framed.push(ids.padId);
          attentionMask.push(0);
        }
      }
      return { ids: framed, attentionMask };
    },
  };
}
