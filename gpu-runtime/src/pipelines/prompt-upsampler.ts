/**
 * The learned prompt upsampler: a small encoder–decoder (seq2seq) that rewrites a short prompt
 * into the descriptive-caption style the image model was trained on, DALL-E 3's "caption
 * upsampling" done by a model of the bundle instead of an LLM. The encoder reads
 * `[BOS] words [EOS]` once into a memory; the decoder is then called once per generated token
 * with that memory and `[BOS] generated…`, and the most likely next token is taken (greedy,
 * so equal prompts give equal rewrites) until `[EOS]` or the manifest's length limit.
 *
 * Sessions live in an {@link InferencePool} under the keys the pipeline is given; `loadBundle`
 * loads them and owns them, so tests can hand in any tiny model.
 *
 * @example
 * ```ts
 * const { upsampler } = await loadBundle("models/limner-mini", { pool });
 * await upsampler?.upsample("a red circle"); // its descriptive rewrite
 * ```
 *
 * @module
 */
import type { InferencePool } from "../backend/inference-pool";
import { groundCaption, type Repair } from "../prompt-grounding/ground-caption";
import { readPromptFacts } from "../prompt-grounding/prompt-facts";
import { asEnglish, type TextTokenizer } from "../tokenizers/load-tokenizer";
import { greedyDecode, logSoftmax, type NextTokenScorer } from "./caption-decoding";

/** The `decoding` block of the `upsampler` component (greedy), in camelCase. */
export interface UpsamplerDecoding {
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  /** Encoder ids at most, `[BOS]` and `[EOS]` included. */
  readonly maxInputLength: number;
  /** Decoder positions at most, `[BOS]` included. */
  readonly maxLength: number;
}

export interface UpsamplerTensorNames {
  readonly encoder: { readonly inputIds: string; readonly memory: string };
  readonly decoder: { readonly memory: string; readonly inputIds: string; readonly logits: string };
}

export interface PromptUpsamplerOptions {
  readonly pool: InferencePool;
  /** Pool keys of the already-loaded encoder and decoder. */
  readonly keys: { readonly encoder: string; readonly decoder: string };
  readonly names: UpsamplerTensorNames;
  readonly tokenizer: TextTokenizer;
  readonly decoding: UpsamplerDecoding;
}

export interface UpsampleOptions {
  /** Checked before every decoder step and passed to every run. */
  readonly signal?: AbortSignal;
  /** Fewer new tokens than the manifest allows (never more). */
  readonly maxNewTokens?: number;
}

export interface UpsampledPrompt {
  /** The rewrite to generate from and show users, in English. */
  readonly text: string;
  /** What the model itself wrote, in the world's word-level form. */
  readonly modelText: string;
  /** How the model's rewrite was repaired to keep the prompt's facts (`groundCaption`). */
  readonly repair: Repair;
}

/** FNV-1a of the prompt: a repaired caption's phrasing is a function of the prompt alone. */
function promptSeed(prompt: string): number {
  let hash = 0x811c9dc5;
  for (const char of prompt) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return hash;
}

export class PromptUpsamplerPipeline {
  readonly #o: PromptUpsamplerOptions;
  readonly #specialIds: ReadonlySet<number>;

  constructor(options: PromptUpsamplerOptions) {
    this.#o = options;
    const { bosId, eosId, padId } = options.decoding;
    const unk = options.tokenizer.tokenToId("[UNK]");
    this.#specialIds = new Set([bosId, eosId, padId, ...(unk === undefined ? [] : [unk])]);
  }

  /** Most new tokens a rewrite can have: the decoder's positions less the `[BOS]` prefix. */
  get maxNewTokens(): number {
    return this.#o.decoding.maxLength - 1;
  }

  /**
   * The descriptive rewrite of `prompt`, in English ("A large red circle is in the centre.
   * ..."): the model's greedy rewrite, kept when it states everything the prompt does and
   * repaired otherwise (`groundCaption`). A model that writes nothing leaves the prompt as it
   * was, so generation always has text to condition on. Rejects with the signal's reason once
   * it aborts.
   */
  async upsample(prompt: string, options: UpsampleOptions = {}): Promise<string> {
    return (await this.upsampleDetailed(prompt, options)).text;
  }

  /** `upsample`, with the model's own rewrite and how it was repaired (for evaluation). */
  async upsampleDetailed(prompt: string, options: UpsampleOptions = {}): Promise<UpsampledPrompt> {
    const { signal } = options;
    signal?.throwIfAborted();
    const { tokenizer } = this.#o;
    const { bosId, eosId, maxInputLength } = this.#o.decoding;
    const words = tokenizer.encode(prompt).ids.slice(0, maxInputLength - 2);
    const memory = await this.#encode([bosId, ...words, eosId], signal);
    const maxNewTokens = Math.min(this.maxNewTokens, options.maxNewTokens ?? this.maxNewTokens);
    const ids = await greedyDecode(this.#scorer(memory, signal), {
      prefix: [bosId],
      eosId,
      maxNewTokens,
      ...(signal ? { signal } : {}),
    });
    const kept = ids.filter((id) => !this.#specialIds.has(id));
    const modelText = kept.length > 0 ? tokenizer.decode(kept) : prompt;
    const grounded = groundCaption(readPromptFacts(prompt), modelText, promptSeed(prompt));
    // The tokenizer's English form: encoding it gives the ids of the word-level caption again.
    return { text: asEnglish(grounded.text), modelText, repair: grounded.repair };
  }

  async #encode(ids: readonly number[], signal: AbortSignal | undefined) {
    const { pool, keys, names } = this.#o;
    const out = await pool.run(
      keys.encoder,
      {
        [names.encoder.inputIds]: {
          type: "int64",
          dims: [1, ids.length],
          data: BigInt64Array.from(ids, (id) => BigInt(id)),
        },
      },
      { outputNames: [names.encoder.memory], ...(signal ? { signal } : {}) },
    );
    const memory = out[names.encoder.memory];
    if (memory?.type !== "float32" || memory.dims.length !== 3) {
      throw new Error(
        `${keys.encoder} returned no float32 [1, source, width] '${names.encoder.memory}'`,
      );
    }
    return memory;
  }

  /**
   * Next-token log-probabilities from the decoder. `[BOS]` and `[PAD]` are never valid
   * continuations, so they are masked out before the argmax.
   */
  #scorer(
    memory: { readonly dims: readonly number[]; readonly data: Float32Array },
    signal: AbortSignal | undefined,
  ): NextTokenScorer {
    const { pool, keys, names, decoding } = this.#o;
    return async (sequences) => {
      const [sequence] = sequences;
      if (sequence === undefined || sequences.length !== 1) {
        throw new RangeError("the upsampler decodes one sequence at a time");
      }
      const out = await pool.run(
        keys.decoder,
        {
          // A copy per step: the pool detaches the buffers it sends.
          [names.decoder.memory]: { type: "float32", dims: memory.dims, data: memory.data.slice() },
          [names.decoder.inputIds]: {
            type: "int64",
            dims: [1, sequence.length],
            data: BigInt64Array.from(sequence, (id) => BigInt(id)),
          },
        },
        { outputNames: [names.decoder.logits], ...(signal ? { signal } : {}) },
      );
      const logits = out[names.decoder.logits];
      const vocab = logits?.dims[2];
      if (logits?.type !== "float32" || vocab === undefined || logits.dims[1] !== sequence.length) {
        throw new Error(
          `${keys.decoder} returned no float32 [1, ${sequence.length}, vocab] '${names.decoder.logits}'`,
        );
      }
      const last = logits.data.slice((sequence.length - 1) * vocab, sequence.length * vocab);
      last[decoding.bosId] = Number.NEGATIVE_INFINITY;
      last[decoding.padId] = Number.NEGATIVE_INFINITY;
      return [logSoftmax(last)];
    };
  }
}
