/**
 * Image → caption with limner-mini's CoCa-style captioner: the image encoder runs once, then
 * the text decoder is called once per generated token with `[BOS] [MODE] generated…` and the
 * same image tokens (tiled across beams). The mode token after `[BOS]` picks the short
 * (main subjects) or descriptive (every object) variant of the one decoder. A mode with
 * `count_grounding` in the manifest takes its count word from the encoder's `object_count`
 * (count-grounding.ts).
 *
 * The pipeline never touches onnxruntime and never loads: sessions live in an
 * {@link InferencePool} under the keys it is given (`loadBundle` loads them, once, and owns
 * them), so tests can hand in any pool with any models behind those keys.
 *
 * @example
 * ```ts
 * const { imageToText } = await loadBundle("models/limner-mini", { pool });
 * const text = await imageToText?.caption(pixels, bucket, { detail: "descriptive", beams: 1 });
 * ```
 *
 * @module
 */
import { type AspectBucket, DEFAULT_BUCKETS } from "@limner/contracts";
import type { InferencePool } from "../backend/inference-pool";
import type { TensorData } from "../backend/tensor-data";
import type { TextTokenizer } from "../tokenizers/load-tokenizer";
import { checkBucketPixels } from "./bucket-pixels";
import { beamSearch, greedyDecode, logSoftmax, type NextTokenScorer } from "./caption-decoding";
import { withCountGrounding } from "./count-grounding";

/** One variant of the decoder, picked by the mode token after `[BOS]`. */
export interface CaptionMode {
  readonly token: string;
  readonly id: number;
  readonly maxNewTokens: number;
  /** The number words' ids ("one" first); the encoder's `object_count` picks among them. */
  readonly countGrounding?: { readonly numberIds: readonly number[] };
}

/** How the text decoder is prompted and stopped (the manifest's `decoding` block). */
export interface CaptionDecoding {
  readonly modes: { readonly short: CaptionMode; readonly descriptive: CaptionMode };
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  /** Decoder positions at most, the prompt included. */
  readonly maxLength: number;
}

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

  /** `image_tokens` of one image ([1, tokens, width]) and, when asked for, its `object_count`. */
  private async encode(
    pixels: Float32Array,
    bucket: AspectBucket,
    withCount: boolean,
    signal: AbortSignal | undefined,
  ): Promise<{ imageTokens: TensorData & { type: "float32" }; objectCount?: number }> {
    checkBucketPixels(this.buckets, bucket, pixels);
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
