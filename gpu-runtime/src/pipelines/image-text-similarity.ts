/**
 * Image–text similarity from limner-mini's contrastive towers (the CoCa/CLIP half of the
 * captioner): the cosine of the image encoder's `image_embedding` and the text tower's
 * `text_embedding` of a prompt. The manifest defines the CLIP-score analogue as
 * `100 × max(cosine, 0)`; this pipeline returns the raw cosine in [-1, 1] and leaves scaling
 * to the caller. The embeddings themselves are available in batches, as CLIP pipelines offer
 * them, for retrieval over many images and texts.
 *
 * It shares the image encoder session with the captioner (`loadBundle` loads it once and owns
 * it); the pipeline itself never loads or releases anything.
 *
 * @example
 * ```ts
 * const { similarity } = await loadBundle("models/limner-mini", { pool });
 * const cosine = await similarity?.similarity(pixels, bucket, "a large red circle");
 * ```
 *
 * @module
 */
import type { AspectBucket } from "@limner/contracts";
import { DEFAULT_BUCKETS } from "@limner/contracts";
import type { InferencePool } from "../backend/inference-pool";
import type { TensorData } from "../backend/tensor-data";
import type { TextTokenizer } from "../tokenizers/load-tokenizer";
import { checkBucketPixels } from "./bucket-pixels";

/** How the text tower wants its input: `[BOS] words [EOS]`, at most `maxLength` ids. */
export interface TextTowerInput {
  readonly bosId: number;
  readonly eosId: number;
  /** Right-pads the shorter texts of a batch; the tower ignores it. */
  readonly padId: number;
  readonly maxLength: number;
}

export interface ImageTextSimilarityPipelineOptions {
  readonly pool: InferencePool;
  /** Pool session keys of the already-loaded image encoder and text tower. */
  readonly keys: { readonly imageEncoder: string; readonly textTower: string };
  readonly tokenizer: TextTokenizer;
  readonly textInput: TextTowerInput;
  /** Resolutions the encoder accepts (default: limner's three buckets). */
  readonly buckets?: readonly AspectBucket[];
}

interface RunOptions {
  readonly signal?: AbortSignal;
}

export class ImageTextSimilarityPipeline {
  private readonly pool: InferencePool;
  readonly keys: { readonly imageEncoder: string; readonly textTower: string };
  private readonly tokenizer: TextTokenizer;
  private readonly textInput: TextTowerInput;
  readonly buckets: readonly AspectBucket[];

  constructor(options: ImageTextSimilarityPipelineOptions) {
    this.pool = options.pool;
    this.keys = options.keys;
    this.tokenizer = options.tokenizer;
    this.textInput = options.textInput;
    this.buckets = options.buckets ?? DEFAULT_BUCKETS;
  }

  /**
   * Cosine similarity in [-1, 1] of the image (planar RGB in [0, 1] at `bucket`'s size, as
   * `toBucketTensor` returns; copied, not detached) and `text`. Words beyond the tower's
   * `max_length` are cut.
   */
  async similarity(
    pixels: Float32Array,
    bucket: AspectBucket,
    text: string,
    options: RunOptions = {},
  ): Promise<number> {
    options.signal?.throwIfAborted();
    const [[image], [prompt]] = await Promise.all([
      this.imageEmbeddings([pixels], bucket, options),
      this.textEmbeddings([text], options),
    ]);
    if (!image || !prompt) throw new Error("the towers returned no embedding");
    return cosine(image, prompt);
  }

  /**
   * `image_embedding` of each image (planar RGB in [0, 1] at `bucket`'s size; copied), from
   * one encoder run over the batch. The vectors are L2-normalised by the model.
   */
  async imageEmbeddings(
    images: readonly Float32Array[],
    bucket: AspectBucket,
    options: RunOptions = {},
  ): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    const plane = 3 * bucket.width * bucket.height;
    // A fresh buffer: the pool transfers (detaches) the buffers it is given.
    const data = new Float32Array(images.length * plane);
    images.forEach((pixels, i) => {
      checkBucketPixels(this.buckets, bucket, pixels);
      data.set(pixels, i * plane);
    });
    const dims = [images.length, 3, bucket.height, bucket.width];
    const outputs = await this.pool.run(
      this.keys.imageEncoder,
      { pixels: { type: "float32", dims, data } },
      { outputNames: ["image_embedding"], ...(options.signal ? { signal: options.signal } : {}) },
    );
    return this.rows(
      outputs.image_embedding,
      images.length,
      this.keys.imageEncoder,
      "image_embedding",
    );
  }

  /**
   * `text_embedding` of each text, from one tower run: `[BOS] words [EOS]` (words beyond
   * `max_length` cut), the shorter ones right-padded with `[PAD]`. L2-normalised by the model.
   */
  async textEmbeddings(
    texts: readonly string[],
    options: RunOptions = {},
  ): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const { bosId, eosId, padId, maxLength } = this.textInput;
    const rows = texts.map((text) => [
      bosId,
      ...this.tokenizer.encode(text).ids.slice(0, maxLength - 2),
      eosId,
    ]);
    const length = Math.max(...rows.map((row) => row.length));
    const ids = new BigInt64Array(rows.length * length).fill(BigInt(padId));
    rows.forEach((row, b) => {
      row.forEach((id, i) => {
        ids[b * length + i] = BigInt(id);
      });
    });
    const outputs = await this.pool.run(
      this.keys.textTower,
      { input_ids: { type: "int64", dims: [rows.length, length], data: ids } },
      { outputNames: ["text_embedding"], ...(options.signal ? { signal: options.signal } : {}) },
    );
    return this.rows(outputs.text_embedding, texts.length, this.keys.textTower, "text_embedding");
  }

  /** The `batch` rows of a float32 [batch, dim] output, as views on its buffer. */
  private rows(
    tensor: TensorData | undefined,
    batch: number,
    key: string,
    name: string,
  ): Float32Array[] {
    const dim = tensor?.dims[1];
    if (
      tensor?.type !== "float32" ||
      tensor.dims.length !== 2 ||
      tensor.dims[0] !== batch ||
      !dim
    ) {
      throw new Error(`${key} returned no float32 [${batch}, dim] ${name}`);
    }
    return Array.from({ length: batch }, (_, i) => tensor.data.subarray(i * dim, (i + 1) * dim));
  }
}

/** Cosine of two vectors, clamped to [-1, 1] against rounding; 0 when either is all zeros. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) {
    throw new RangeError(`embeddings differ in size: ${a.length} vs ${b.length}`);
  }
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (aa === 0 || bb === 0) return 0;
  return Math.min(1, Math.max(-1, dot / Math.sqrt(aa * bb)));
}
