/**
 * The learned prompt upsampler: a small encoder–decoder (seq2seq) that rewrites a short prompt
 * into the descriptive-caption style the image model was trained on, DALL-E 3's "caption
 * upsampling" done by a model of the bundle instead of an LLM. The encoder reads
 * `[BOS] words [EOS]` once into a memory; the decoder is then called once per generated token
 * with that memory and `[BOS] generated…`, and the most likely next token is taken (greedy,
 * so equal prompts give equal rewrites) until `[EOS]` or the manifest's length limit.
 *
 * Sessions live in an {@link InferencePool}, so tests can hand in any tiny model.
 *
 * @example
 * ```ts
 * const upsampler = await PromptUpsamplerPipeline.fromManifest(pool, bundleDir, manifest, "limner-mini");
 * await upsampler.upsample("a red circle"); // "a large red circle on a white background ..."
 * await upsampler.dispose();
 * ```
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { InferencePool } from "../backend/inference-pool";
import { createTokenizer, type TextTokenizer } from "../tokenizers/load-tokenizer";
import { greedyDecode, logSoftmax, type NextTokenScorer } from "./caption-decoding";

const TokenId = z.int().nonnegative();
const TensorName = z.object({ name: z.string().min(1) });

/** The `decoding` block of the `upsampler` component, in the pipeline's camelCase. */
export const UpsamplerDecoding = z
  .object({
    strategy: z.literal("greedy").default("greedy"),
    bos_id: TokenId,
    eos_id: TokenId,
    pad_id: TokenId,
    /** Encoder ids at most, `[BOS]` and `[EOS]` included. */
    max_input_length: z.int().min(3),
    /** Decoder positions at most, `[BOS]` included. */
    max_length: z.int().min(2),
  })
  .transform((d) => ({
    bosId: d.bos_id,
    eosId: d.eos_id,
    padId: d.pad_id,
    maxInputLength: d.max_input_length,
    maxLength: d.max_length,
  }));
export type UpsamplerDecoding = z.output<typeof UpsamplerDecoding>;

/** The parts of `model.json` this pipeline reads. */
const UpsamplerManifest = z.object({
  tokenizer: z.string().min(1),
  components: z.object({
    upsampler: z.object({
      kind: z.literal("upsampler"),
      encoder: z.object({
        file: z.string().min(1),
        inputs: z.object({ input_ids: TensorName }),
        outputs: z.object({ memory: TensorName }),
      }),
      decoder: z.object({
        file: z.string().min(1),
        inputs: z.object({ memory: TensorName, input_ids: TensorName }),
        outputs: z.object({ logits: TensorName }),
      }),
      decoding: UpsamplerDecoding,
    }),
  }),
});

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

export class PromptUpsamplerPipeline {
  readonly #o: PromptUpsamplerOptions;
  readonly #specialIds: ReadonlySet<number>;

  constructor(options: PromptUpsamplerOptions) {
    this.#o = options;
    const { bosId, eosId, padId } = options.decoding;
    const unk = options.tokenizer.tokenToId("[UNK]");
    this.#specialIds = new Set([bosId, eosId, padId, ...(unk === undefined ? [] : [unk])]);
  }

  /**
   * Loads the upsampler's encoder and decoder from the bundle at `bundleDir` into `pool` (keys
   * `${modelId}/upsampler_encoder` and `${modelId}/upsampler_decoder`) with the bundle's
   * tokenizer, checking the manifest's special ids against it.
   */
  static async fromManifest(
    pool: InferencePool,
    bundleDir: string,
    manifest: unknown,
    modelId: string,
  ): Promise<PromptUpsamplerPipeline> {
    const parsed = UpsamplerManifest.parse(manifest);
    const { encoder, decoder, decoding } = parsed.components.upsampler;
    const tokenizer = createTokenizer(
      JSON.parse(await readFile(join(bundleDir, parsed.tokenizer), "utf8")),
    );
    for (const [token, id] of [
      ["[BOS]", decoding.bosId],
      ["[EOS]", decoding.eosId],
      ["[PAD]", decoding.padId],
    ] as const) {
      const actual = tokenizer.tokenToId(token);
      if (actual !== id) {
        throw new Error(`model.json says ${token} is id ${id}, the tokenizer says ${actual}`);
      }
    }
    const keys = {
      encoder: `${modelId}/upsampler_encoder`,
      decoder: `${modelId}/upsampler_decoder`,
    };
    await pool.loadSession(keys.encoder, join(bundleDir, encoder.file));
    try {
      await pool.loadSession(keys.decoder, join(bundleDir, decoder.file));
    } catch (error) {
      await pool.releaseSession(keys.encoder);
      throw error;
    }
    return new PromptUpsamplerPipeline({
      pool,
      keys,
      tokenizer,
      decoding,
      names: {
        encoder: { inputIds: encoder.inputs.input_ids.name, memory: encoder.outputs.memory.name },
        decoder: {
          memory: decoder.inputs.memory.name,
          inputIds: decoder.inputs.input_ids.name,
          logits: decoder.outputs.logits.name,
        },
      },
    });
  }

  /** Most new tokens a rewrite can have: the decoder's positions less the `[BOS]` prefix. */
  get maxNewTokens(): number {
    return this.#o.decoding.maxLength - 1;
  }

  /**
   * The descriptive rewrite of `prompt`: generated words joined by single spaces, special
   * tokens dropped. A model that writes nothing leaves the prompt as it was, so generation
   * always has text to condition on. Rejects with the signal's reason once it aborts.
   */
  async upsample(prompt: string, options: UpsampleOptions = {}): Promise<string> {
    const { signal } = options;
    signal?.throwIfAborted();
    const { bosId, eosId, maxInputLength } = this.#o.decoding;
    const words = this.#o.tokenizer.encode(prompt).ids.slice(0, maxInputLength - 2);
    const memory = await this.#encode([bosId, ...words, eosId], signal);
    const maxNewTokens = Math.min(this.maxNewTokens, options.maxNewTokens ?? this.maxNewTokens);
    const ids = await greedyDecode(this.#scorer(memory, signal), {
      prefix: [bosId],
      eosId,
      maxNewTokens,
      ...(signal ? { signal } : {}),
    });
    const text = ids
      .filter((id) => !this.#specialIds.has(id))
      .map((id) => this.#o.tokenizer.decode([id]))
      .filter((word) => word.length > 0)
      .join(" ");
    return text.length > 0 ? text : prompt;
  }

  /** Releases the encoder and decoder sessions from the pool. */
  async dispose(): Promise<void> {
    await Promise.all([
      this.#o.pool.releaseSession(this.#o.keys.encoder),
      this.#o.pool.releaseSession(this.#o.keys.decoder),
    ]);
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
