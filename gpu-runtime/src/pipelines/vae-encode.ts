/**
 * Image → latents with the bundle's VAE encoder (`components.vae_encoder`,
 * docs/model-manifest.md): the first stage of image-to-image and inpainting (SDEdit, Meng et
 * al. 2022; diffusers' `vae.encode(image).latent_dist.mean`).
 *
 * Input is the runtime's image-input convention, planar RGB in [0, 1] at one of the model's
 * buckets (`toBucketTensor`); the graph takes diffusers' [-1, 1], mapped here. Output is in the
 * *decoder's* latent space — what `vae_decoder` takes, `z / scaling_factor` in diffusers'
 * terms — so `decode(encode(x)) ≈ x`; multiply by the VAE `scaling_factor` for the denoiser's
 * latents (limner-mini's is 1: its encoder graph standardises per channel itself).
 *
 * @example
 * ```ts
 * const pixels = await toBucketTensor(checked, bucket, maxPixels); // [3, H, W] in [0, 1]
 * const latents = await bundle.vaeEncoder?.encode(pixels, bucket, signal); // [C, H/8, W/8]
 * ```
 *
 * @module
 */
import type { AspectBucket } from "@limner/contracts";
import type { InferencePool } from "../backend/inference-pool";
import type { TensorData } from "../backend/tensor-data";
import { checkBucketPixels } from "./bucket-pixels";
import { PipelineInputError } from "./pipeline-error";

/** The encoder's tensor names, by role (from `model.json`). */
export interface VaeEncoderNames {
  /** RGB in [-1, 1], float32 `[B, 3, H, W]`. */
  readonly image: string;
  /** Decoder-space latents, float32 `[B, C, H/f, W/f]`. */
  readonly latents: string;
}

export interface VaeEncoderOptions {
  readonly pool: InferencePool;
  /** The encoder's session key in `pool`. */
  readonly key: string;
  readonly names: VaeEncoderNames;
  readonly buckets: readonly AspectBucket[];
  readonly latentChannels: number;
  /** Pixels per latent cell (8). */
  readonly downsampleFactor: number;
}

export class VaeEncoder {
  readonly #o: VaeEncoderOptions;

  constructor(options: VaeEncoderOptions) {
    this.#o = options;
  }

  get latentChannels(): number {
    return this.#o.latentChannels;
  }

  get downsampleFactor(): number {
    return this.#o.downsampleFactor;
  }

  /**
   * `pixels`: planar RGB in [0, 1] filling `bucket` exactly (`[3, H, W]`). Returns the
   * decoder-space latents `[C, H/f, W/f]`. A bucket the model lacks or a wrong pixel count is
   * a {@link PipelineInputError}.
   */
  async encode(
    pixels: Float32Array,
    bucket: AspectBucket,
    signal?: AbortSignal,
  ): Promise<Float32Array> {
    const { pool, key, names, buckets, latentChannels, downsampleFactor } = this.#o;
    try {
      checkBucketPixels(buckets, bucket, pixels);
    } catch (error) {
      if (error instanceof RangeError) throw new PipelineInputError(error.message);
      throw error;
    }
    // A fresh buffer in the graph's [-1, 1]; the pool transfers (detaches) what it is given.
    const image = pixels.map((v) => v * 2 - 1);
    const feeds: Record<string, TensorData> = {
      [names.image]: { type: "float32", dims: [1, 3, bucket.height, bucket.width], data: image },
    };
    const outputs = await pool.run(key, feeds, {
      outputNames: [names.latents],
      ...(signal ? { signal } : {}),
    });
    const latents = outputs[names.latents];
    const h = bucket.height / downsampleFactor;
    const w = bucket.width / downsampleFactor;
    const expected = [1, latentChannels, h, w];
    if (latents?.type !== "float32" || latents.dims.join() !== expected.join()) {
      throw new Error(
        `the VAE encoder returned ${latents ? `${latents.type} [${latents.dims.join(", ")}]` : "nothing"} for '${names.latents}', expected float32 [${expected.join(", ")}]`,
      );
    }
    return latents.data;
  }
}
