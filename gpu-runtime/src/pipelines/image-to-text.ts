/**
 * Image → caption with limner-mini's CoCa-style captioner: the image encoder runs once, then
 * the text decoder is called once per generated token with `[BOS] [MODE] generated…` and the
 * same image tokens (tiled across beams). The mode token after `[BOS]` picks the short
 * (main subjects) or descriptive (every object) variant of the one decoder. A mode with
 * `count_grounding` in the manifest takes its count word from the encoder's `object_count`
 * (count-grounding.ts).
 *
 * The pipeline never touches onnxruntime: sessions live in an {@link InferencePool} under the
 * keys it is given, so tests can hand in any pool with any models behind those keys.
 *
 * @example
 * ```ts
 * const manifest = JSON.parse(await readFile(join(bundle, "model.json"), "utf8"));
 * const captioner = await ImageToTextPipeline.fromManifest(pool, bundle, manifest, "limner-mini");
 * const text = await captioner.caption(pixels, bucket, { detail: "descriptive", beams: 1 });
 * await captioner.dispose();
 * ```
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { AspectBucket, DEFAULT_BUCKETS } from "@limner/contracts";
import { z } from "zod";
import type { InferencePool } from "../backend/inference-pool";
import type { TensorData } from "../backend/tensor-data";
import { createTokenizer, type TextTokenizer } from "../tokenizers/load-tokenizer";
import { beamSearch, greedyDecode, logSoftmax, type NextTokenScorer } from "./caption-decoding";
import { withCountGrounding } from "./count-grounding";

const TokenId = z.int().nonnegative();

/** The encoder output that grounds a mode's count word, and the number words' ids ("one" first). */
const CountGroundingSpec = z
  .object({
    from: z.literal("captioner_image_encoder.object_count"),
    number_ids: z.array(TokenId).min(1),
  })
  .transform((g) => ({ numberIds: g.number_ids }));

const CaptionMode = z
  .object({
    token: z.string().min(1),
    id: TokenId,
    max_new_tokens: z.int().positive(),
    count_grounding: CountGroundingSpec.optional(),
  })
  .transform((m) => ({
    token: m.token,
    id: m.id,
    maxNewTokens: m.max_new_tokens,
    countGrounding: m.count_grounding,
  }));

/**
 * The `decoding` block of the `captioner_text_decoder` component in `model.json`, translated
 * from the manifest's snake_case to the camelCase the pipeline uses.
 */
export const CaptionDecoding = z
  .object({
    modes: z.object({ short: CaptionMode, descriptive: CaptionMode }),
    bos_id: TokenId,
    eos_id: TokenId,
    pad_id: TokenId,
    max_length: z.int().positive(),
  })
  .transform((d) => ({
    modes: d.modes,
    bosId: d.bos_id,
    eosId: d.eos_id,
    padId: d.pad_id,
    maxLength: d.max_length,
  }));
/** The parsed (camelCase) form of {@link CaptionDecoding}. */
export type CaptionDecoding = z.output<typeof CaptionDecoding>;

/** The parts of `model.json` this pipeline reads; other fields are left alone. */
const CaptionerManifest = z.object({
  tokenizer: z.string().min(1),
  buckets: z.array(AspectBucket).min(1).optional(),
  components: z.object({
    captioner_image_encoder: z.object({ file: z.string().min(1) }),
    captioner_text_decoder: z.object({ file: z.string().min(1), decoding: CaptionDecoding }),
  }),
});

export type CaptionDetail = "short" | "descriptive";

export interface CaptionOptions {
  /** `"short"`: the one or two main subjects; `"descriptive"`: background and every object. */
  readonly detail: CaptionDetail;
  /** 1 = greedy decoding; more = beam search with length-normalised scores. */
  readonly beams: number;
  /** Checked between decoder steps and passed to every run. */
  readonly signal?: AbortSignal;
}

export interface ImageToTextPipelineOptions {
  readonly pool: InferencePool;
  /** Pool session keys of the already-loaded image encoder and text decoder. */
  readonly keys: { readonly imageEncoder: string; readonly textDecoder: string };
  readonly tokenizer: TextTokenizer;
  readonly decoding: CaptionDecoding;
  /** Resolutions the encoder accepts (default: limner's three buckets). */
  readonly buckets?: readonly AspectBucket[];
}

export class ImageToTextPipeline {
  private readonly pool: InferencePool;
  readonly keys: { readonly imageEncoder: string; readonly textDecoder: string };
  private readonly tokenizer: TextTokenizer;
  private readonly decoding: CaptionDecoding;
  readonly buckets: readonly AspectBucket[];
  private readonly specialIds: ReadonlySet<number>;

  constructor(options: ImageToTextPipelineOptions) {
    this.pool = options.pool;
    this.keys = options.keys;
    this.tokenizer = options.tokenizer;
    this.decoding = options.decoding;
    this.buckets = options.buckets ?? DEFAULT_BUCKETS;
    const { bosId, eosId, padId, modes } = options.decoding;
    this.specialIds = new Set([bosId, eosId, padId, modes.short.id, modes.descriptive.id]);
  }

  /**
   * Loads the captioner's encoder and decoder from the bundle at `bundleDir` into `pool`
   * (keys `${modelId}/captioner_image_encoder` and `${modelId}/captioner_text_decoder`) and
   * checks that the manifest's token ids agree with the bundle's tokenizer.
   */
  static async fromManifest(
    pool: InferencePool,
    bundleDir: string,
    manifest: unknown,
    modelId: string,
  ): Promise<ImageToTextPipeline> {
    const parsed = CaptionerManifest.parse(manifest);
    const { captioner_image_encoder: encoder, captioner_text_decoder: decoder } = parsed.components;
    const tokenizer = createTokenizer(
      JSON.parse(await readFile(join(bundleDir, parsed.tokenizer), "utf8")),
    );
    for (const mode of Object.values(decoder.decoding.modes)) {
      const id = tokenizer.tokenToId(mode.token);
      if (id !== mode.id) {
        throw new Error(`model.json says ${mode.token} is id ${mode.id}, the tokenizer says ${id}`);
      }
    }
    const keys = {
      imageEncoder: `${modelId}/captioner_image_encoder`,
      textDecoder: `${modelId}/captioner_text_decoder`,
    };
    await pool.loadSession(keys.imageEncoder, join(bundleDir, encoder.file));
    try {
      await pool.loadSession(keys.textDecoder, join(bundleDir, decoder.file));
    } catch (error) {
      await pool.releaseSession(keys.imageEncoder);
      throw error;
    }
    return new ImageToTextPipeline({
      pool,
      keys,
      tokenizer,
      decoding: decoder.decoding,
      buckets: parsed.buckets ?? DEFAULT_BUCKETS,
    });
  }

  /**
   * Captions one image given as planar RGB in [0, 1] at `bucket`'s size (what
   * `toBucketTensor` returns). `pixels` is copied, so the caller's array stays usable.
   * Rejects with the signal's reason once it aborts.
   */
  async caption(
    pixels: Float32Array,
    bucket: AspectBucket,
    options: CaptionOptions,
  ): Promise<string> {
    const { signal } = options;
    const beams = options.beams;
    if (!Number.isInteger(beams) || beams < 1) {
      throw new RangeError(`beams must be a positive integer, got ${beams}`);
    }
    signal?.throwIfAborted();
    const mode = this.decoding.modes[options.detail];
    const { imageTokens, objectCount } = await this.encode(
      pixels,
      bucket,
      mode.countGrounding !== undefined,
      signal,
    );
    const prefix = [this.decoding.bosId, mode.id];
    const search = {
      prefix,
      eosId: this.decoding.eosId,
      // The decoder's positions end at max_length; the prompt uses some of them.
      maxNewTokens: Math.min(mode.maxNewTokens, this.decoding.maxLength - prefix.length),
      ...(signal ? { signal } : {}),
    };
    const imageScorer = this.scorer(imageTokens, signal);
    const scorer =
      mode.countGrounding && objectCount !== undefined
        ? withCountGrounding(imageScorer, prefix.length, mode.countGrounding.numberIds, objectCount)
        : imageScorer;
    const ids =
      beams === 1
        ? await greedyDecode(scorer, search)
        : await beamSearch(scorer, { ...search, beams });
    return this.detokenize(ids);
  }

  /** Releases the encoder and decoder sessions from the pool. */
  async dispose(): Promise<void> {
    await Promise.all([
      this.pool.releaseSession(this.keys.imageEncoder),
      this.pool.releaseSession(this.keys.textDecoder),
    ]);
  }

  /** `image_tokens` of one image ([1, tokens, width]) and, when asked for, its `object_count`. */
  private async encode(
    pixels: Float32Array,
    bucket: AspectBucket,
    withCount: boolean,
    signal: AbortSignal | undefined,
  ): Promise<{ imageTokens: TensorData & { type: "float32" }; objectCount?: number }> {
    if (!this.buckets.some((b) => b.width === bucket.width && b.height === bucket.height)) {
      throw new RangeError(`${bucket.width}×${bucket.height} is not one of this model's buckets`);
    }
    if (pixels.length !== 3 * bucket.width * bucket.height) {
      throw new RangeError(
        `pixels hold ${pixels.length} values; ${bucket.width}×${bucket.height} RGB needs ${3 * bucket.width * bucket.height}`,
      );
    }
    const feeds: Record<string, TensorData> = {
      // A copy: the pool transfers (detaches) the buffers it is given.
      pixels: { type: "float32", dims: [1, 3, bucket.height, bucket.width], data: pixels.slice() },
    };
    const outputs = await this.pool.run(this.keys.imageEncoder, feeds, {
      outputNames: withCount ? ["image_tokens", "object_count"] : ["image_tokens"],
      ...(signal ? { signal } : {}),
    });
    const tokens = outputs.image_tokens;
    if (tokens?.type !== "float32" || tokens.dims.length !== 3) {
      throw new Error(
        `${this.keys.imageEncoder} returned no float32 [1, tokens, width] image_tokens`,
      );
    }
    if (!withCount) return { imageTokens: tokens };
    const count = outputs.object_count;
    if (count?.type !== "int64" || count.data.length !== 1) {
      throw new Error(`${this.keys.imageEncoder} returned no int64 [1] object_count`);
    }
    return { imageTokens: tokens, objectCount: Number(count.data[0]) };
  }

  /**
   * Scores sequences with the decoder. Every call builds fresh feeds: the image tokens are
   * tiled into a new buffer per call because the pool detaches what it sends.
   */
  private scorer(
    imageTokens: TensorData & { type: "float32" },
    signal: AbortSignal | undefined,
  ): NextTokenScorer {
    return async (sequences) => {
      const batch = sequences.length;
      const length = sequences[0]?.length ?? 0;
      const tiled = new Float32Array(batch * imageTokens.data.length);
      for (let b = 0; b < batch; b++) tiled.set(imageTokens.data, b * imageTokens.data.length);
      const ids = new BigInt64Array(batch * length);
      sequences.forEach((sequence, b) => {
        if (sequence.length !== length) throw new RangeError("sequences differ in length");
        sequence.forEach((id, i) => {
          ids[b * length + i] = BigInt(id);
        });
      });
      const outputs = await this.pool.run(
        this.keys.textDecoder,
        {
          image_tokens: {
            type: "float32",
            dims: [batch, ...imageTokens.dims.slice(1)],
            data: tiled,
          },
          input_ids: { type: "int64", dims: [batch, length], data: ids },
        },
        { outputNames: ["logits"], ...(signal ? { signal } : {}) },
      );
      const logits = outputs.logits;
      const vocab = logits?.dims[2];
      if (logits?.type !== "float32" || vocab === undefined || logits.dims[1] !== length) {
        throw new Error(
          `${this.keys.textDecoder} returned no float32 [batch, ${length}, vocab] logits`,
        );
      }
      // Only the last position predicts the next token.
      return sequences.map((_, b) => {
        const end = (b * length + length) * vocab;
        return logSoftmax(logits.data.subarray(end - vocab, end));
      });
    };
  }

  /** The manifest's rule: drop special tokens, join words with single spaces. */
  private detokenize(ids: readonly number[]): string {
    return ids
      .filter((id) => !this.specialIds.has(id))
      .map((id) => this.tokenizer.decode([id]))
      .filter((word) => word.length > 0)
      .join(" ");
  }
}
