/**
 * Image-to-image and inpainting (SDEdit, Meng et al. 2022; diffusers' `StableDiffusionImg2Img`
 * and, for a U-Net without mask inputs, `StableDiffusionInpaintPipeline`): the input at the
 * bucket's native size → VAE encoder → latents noised to `strength` → the text-to-image
 * denoising loop from that step (`text-to-image.ts`, shared, not copied) → decoder → the
 * generated pixels, which the caller composites onto the input outside the edit region
 * (`images/edit-region.ts`).
 *
 * `strength` follows diffusers' `get_timesteps`: of `steps` scheduled steps, the last
 * ⌊steps·strength⌋ run, starting from the input noised to the first of them.
 *
 * @module
 */
import type { AspectBucket } from "@limner/contracts";
import { type EditRegion, latentMask } from "../images/edit-region";
import type { RgbImage } from "./latent-image";
import { PipelineInputError } from "./pipeline-error";
import type { BatchSettings, ImageJob, StageTimings, TextToImagePipeline } from "./text-to-image";

/** Image → the decoder's latent space (before the scaling factor), as the VAE encoder gives it. */
export interface LatentEncoder {
  /** `pixels`: planar RGB in [0, 1] at `bucket` (`toBucketTensor`); returns `[C, h, w]` latents. */
  encode(pixels: Float32Array, bucket: AspectBucket, signal?: AbortSignal): Promise<Float32Array>;
}

/** What one edit needs besides the per-image jobs. */
export interface ImageToImageRequest {
  /** The input at the bucket's size, planar RGB in [0, 1]. */
  pixels: Float32Array;
  bucket: AspectBucket;
  /** 0 keeps the input, 1 starts from pure noise. */
  strength: number;
  /** Where the image may change, at the bucket's size; absent: everywhere. */
  region?: EditRegion;
}

/** Steps that run for `strength` (diffusers' `init_timestep = min(int(steps·strength), steps)`). */
export function stepsToRun(steps: number, strength: number): number {
  return Math.min(Math.floor(steps * strength), steps);
}

export class ImageToImagePipeline {
  readonly #textToImage: TextToImagePipeline;
  readonly #encoder: LatentEncoder;

  constructor(textToImage: TextToImagePipeline, encoder: LatentEncoder) {
    this.#textToImage = textToImage;
    this.#encoder = encoder;
  }

  /** The decoders an edit can finish with (the text-to-image pipeline's). */
  get decoders() {
    return this.#textToImage.decoders;
  }

  get vaeScaleFactor(): number {
    return this.#textToImage.vaeScaleFactor;
  }

  /**
   * One image per job, all from the same input; a slot holds an Error for an aborted job. The
   * images are the decoder's, at the bucket's size: the caller composites the input's pixels
   * back outside the region at the answer's size (`compositeKept`), where they are exact.
   */
  async edit(
    request: ImageToImageRequest,
    jobs: readonly Omit<ImageJob, "init">[],
    settings: BatchSettings,
    timings?: StageTimings & { encode?: number },
  ): Promise<(RgbImage | Error)[]> {
    const { bucket, strength, region } = request;
    if (settings.width !== bucket.width || settings.height !== bucket.height) {
      throw new PipelineInputError("The settings' size must be the input bucket's.");
    }
    const started = performance.now();
    const encoded = await this.#encoder.encode(request.pixels, bucket, jobs[0]?.signal);
    const scale = this.#textToImage.scalingFactor;
    const latents = encoded.map((v) => v * scale);
    if (timings) timings.encode = performance.now() - started;
    const mask = region ? latentMask(region, this.vaeScaleFactor) : undefined;
    const init = { latents, ...(mask ? { mask } : {}) };
    return this.#textToImage.generate(
      jobs.map((job) => ({ ...job, init })),
      { ...settings, startStep: settings.steps - stepsToRun(settings.steps, strength) },
      timings,
    );
  }
}
