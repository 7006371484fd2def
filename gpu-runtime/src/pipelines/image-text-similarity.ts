/**
 * Image–text similarity from limner-mini's contrastive towers (the CoCa/CLIP half of the
 * captioner): the cosine of the image encoder's `image_embedding` and the text tower's
 * `text_embedding` of a prompt. The manifest defines the CLIP-score analogue as
 * `100 × max(cosine, 0)`; this pipeline returns the raw cosine in [-1, 1] and leaves scaling
 * to the caller.
 *
 * Its sessions use their own pool keys (`${modelId}/similarity/…`) so disposing it never
 * unloads an encoder an `ImageToTextPipeline` of the same model is still using.
 *
 * @example
 * ```ts
 * const towers = await ImageTextSimilarityPipeline.fromManifest(pool, bundle, manifest, "limner-mini");
 * const cosine = await towers.similarity(pixels, bucket, "a large red circle");
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

/** The parts of `model.json` this pipeline reads; other fields are left alone. */
const TowersManifest = z.object({
  tokenizer: z.string().min(1),
  buckets: z.array(AspectBucket).min(1).optional(),
  components: z.object({
    captioner_image_encoder: z.object({
      file: z.string().min(1),
      outputs: z.object({ image_embedding: z.object({ dtype: z.literal("float32") }) }),
    }),
    captioner_text_tower: z.object({
      file: z.string().min(1),
      inputs: z.object({ input_ids: z.object({ dtype: z.literal("int64") }) }),
      outputs: z.object({ text_embedding: z.object({ dtype: z.literal("float32") }) }),
      max_length: z.int().min(3),
    }),
  }),
});

/** How the text tower wants its input: `[BOS] words [EOS]`, at most `maxLength` ids. */
export interface TextTowerInput {
  readonly bosId: number;
  readonly eosId: number;
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
   * Loads the image encoder and the text tower from the bundle at `bundleDir` into `pool`
   * under `${modelId}/similarity/captioner_image_encoder` and
   * `${modelId}/similarity/captioner_text_tower`.
   */
  static async fromManifest(
    pool: InferencePool,
    bundleDir: string,
    manifest: unknown,
    modelId: string,
  ): Promise<ImageTextSimilarityPipeline> {
    const parsed = TowersManifest.parse(manifest);
    const { captioner_image_encoder: encoder, captioner_text_tower: tower } = parsed.components;
    const tokenizer = createTokenizer(
      JSON.parse(await readFile(join(bundleDir, parsed.tokenizer), "utf8")),
    );
    // The tower's input note: "[BOS] words [EOS]"; the tokenizer adds neither itself.
    const bosId = tokenizer.tokenToId("[BOS]");
    const eosId = tokenizer.tokenToId("[EOS]");
    if (bosId === undefined || eosId === undefined) {
      throw new Error("the bundle's tokenizer has no [BOS]/[EOS] tokens for the text tower");
    }
    const keys = {
      imageEncoder: `${modelId}/similarity/captioner_image_encoder`,
      textTower: `${modelId}/similarity/captioner_text_tower`,
    };
    await pool.loadSession(keys.imageEncoder, join(bundleDir, encoder.file));
    try {
      await pool.loadSession(keys.textTower, join(bundleDir, tower.file));
    } catch (error) {
      await pool.releaseSession(keys.imageEncoder);
      throw error;
    }
    return new ImageTextSimilarityPipeline({
      pool,
      keys,
      tokenizer,
      textInput: { bosId, eosId, maxLength: tower.max_length },
      buckets: parsed.buckets ?? DEFAULT_BUCKETS,
    });
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
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<number> {
    const { signal } = options;
    signal?.throwIfAborted();
    const [image, prompt] = await Promise.all([
      this.imageEmbedding(pixels, bucket, signal),
      this.textEmbedding(text, signal),
    ]);
    return cosine(image, prompt);
  }

  /** Releases the encoder and text tower sessions from the pool. */
  async dispose(): Promise<void> {
    await Promise.all([
      this.pool.releaseSession(this.keys.imageEncoder),
      this.pool.releaseSession(this.keys.textTower),
    ]);
  }

  private async imageEmbedding(
    pixels: Float32Array,
    bucket: AspectBucket,
    signal: AbortSignal | undefined,
  ): Promise<Float32Array> {
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
      outputNames: ["image_embedding"],
      ...(signal ? { signal } : {}),
    });
    return this.vector(outputs.image_embedding, this.keys.imageEncoder, "image_embedding");
  }

  private async textEmbedding(
    text: string,
    signal: AbortSignal | undefined,
  ): Promise<Float32Array> {
    const { bosId, eosId, maxLength } = this.textInput;
    const words = this.tokenizer.encode(text).ids.slice(0, maxLength - 2);
    const ids = BigInt64Array.from([bosId, ...words, eosId], BigInt);
    // Batch of one, so no [PAD]: the tower ignores padding anyway.
    const outputs = await this.pool.run(
      this.keys.textTower,
      { input_ids: { type: "int64", dims: [1, ids.length], data: ids } },
      { outputNames: ["text_embedding"], ...(signal ? { signal } : {}) },
    );
    return this.vector(outputs.text_embedding, this.keys.textTower, "text_embedding");
  }

  private vector(tensor: TensorData | undefined, key: string, name: string): Float32Array {
    if (tensor?.type !== "float32" || tensor.dims.length !== 2 || tensor.dims[0] !== 1) {
      throw new Error(`${key} returned no float32 [1, dim] ${name}`);
    }
    return tensor.data;
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
