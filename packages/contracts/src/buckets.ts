/**
 * Output sizes and the aspect-ratio buckets the denoiser renders at.
 *
 * The DALL-E 3 API offers three sizes (1:1, 7:4, 4:7). A model is trained at a few native
 * resolutions ("buckets"); the runtime renders at the bucket whose aspect ratio is closest to
 * the requested size, then upscales to the API size, so one small model can answer every size
 * without being run at resolutions it never saw in training.
 *
 * @module
 */
import { z } from "zod";

/** The `size` values of dall-e-3 (OpenAI API reference, `images/create`). */
export const ImageSize = z.enum(["1024x1024", "1792x1024", "1024x1792"]);
/** One of the {@link ImageSize} values. */
export type ImageSize = z.infer<typeof ImageSize>;

/**
 * The `size` values of the gpt-image models (openai-node `ImageGenerateParams`): 1:1, 3:2, 2:3,
 * and `auto`, which lets the model choose (Limner: `1024x1024`, see {@link resolveGptImageSize}).
 */
export const GptImageSize = z.enum(["auto", "1024x1024", "1536x1024", "1024x1536"]);
/** One of the {@link GptImageSize} values. */
export type GptImageSize = z.infer<typeof GptImageSize>;

/** A concrete pixel size of either surface (never `auto`). */
export type ApiImageSize = ImageSize | Exclude<GptImageSize, "auto">;

/**
 * The size `auto` renders at. The text alone gives no aspect ratio to prefer, and the square
 * bucket is the one every model is trained at, so `auto` is square.
 */
export function resolveGptImageSize(size: GptImageSize): Exclude<GptImageSize, "auto"> {
  return size === "auto" ? "1024x1024" : size;
}

/** All {@link ImageSize} values, square first. */
export const IMAGE_SIZES: readonly ImageSize[] = Object.freeze([...ImageSize.options]);

/**
 * A native resolution of a model, in pixels. Sides are multiples of 8 because the VAE
 * downsamples 8×, so every bucket must map to a whole number of latent cells.
 */
export const AspectBucket = z.object({
  name: z.string().min(1),
  width: z.int().positive().multipleOf(8),
  height: z.int().positive().multipleOf(8),
});
/** The parsed shape of {@link AspectBucket}. */
export type AspectBucket = z.infer<typeof AspectBucket>;

/**
 * limner-mini's native buckets: DALL-E 3's three aspect ratios at 1/8 of the API size, small
 * enough to train and run on a CPU.
 */
export const DEFAULT_BUCKETS: readonly AspectBucket[] = Object.freeze([
  Object.freeze({ name: "square", width: 128, height: 128 }),
  Object.freeze({ name: "landscape", width: 224, height: 128 }),
  Object.freeze({ name: "portrait", width: 128, height: 224 }),
]);

const SIZE_PATTERN = /^([1-9]\d*)x([1-9]\d*)$/;

/**
 * Splits a `"<width>x<height>"` string into numbers.
 *
 * @throws RangeError when `size` is not of that form.
 * @example
 * ```ts
 * parseSize("1792x1024"); // { width: 1792, height: 1024 }
 * ```
 */
export function parseSize(size: string): { width: number; height: number } {
  const match = SIZE_PATTERN.exec(size);
  if (!match) throw new RangeError(`invalid size '${size}': expected '<width>x<height>'`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

/**
 * The bucket to render `size` at: the one whose aspect ratio is closest in log space (so 2:1
 * and 1:2 are equally far from 1:1), ties going to the larger area for more detail.
 *
 * @throws RangeError when `buckets` is empty.
 * @example
 * ```ts
 * bucketForSize("1792x1024").name; // "landscape"
 * bucketForSize("1536x1024").name; // "landscape" (3:2 is nearer 7:4 than 1:1)
 * ```
 */
export function bucketForSize(
  size: ApiImageSize,
  buckets: readonly AspectBucket[] = DEFAULT_BUCKETS,
): AspectBucket {
  const { width, height } = parseSize(size);
  return closestBucket(width, height, buckets);
}

/**
 * The bucket whose aspect ratio is closest to `width`×`height` (log-ratio distance; ties go to
 * the larger bucket). Used for API sizes and for images handed to the captioner alike.
 */
export function closestBucket(
  width: number,
  height: number,
  buckets: readonly AspectBucket[] = DEFAULT_BUCKETS,
): AspectBucket {
  const target = Math.log(width / height);
  let best: AspectBucket | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const bucket of buckets) {
    const distance = Math.abs(Math.log(bucket.width / bucket.height) - target);
    // Ratios such as 7:4 vs 1792:1024 are equal up to float rounding; compare with a tolerance.
    const tie = Math.abs(distance - bestDistance) < 1e-9;
    if (
      best === undefined ||
      (!tie && distance < bestDistance) ||
      (tie && bucket.width * bucket.height > best.width * best.height)
    ) {
      best = bucket;
      bestDistance = Math.min(distance, bestDistance);
    }
  }
  if (best === undefined) throw new RangeError("no aspect-ratio buckets to choose from");
  return best;
}

/**
 * How much the runtime scales a render at `bucket` up to reach `size`. When the ratios differ
 * it is the factor that covers the whole target (the excess is centre-cropped), so the output
 * never has empty borders.
 *
 * @example
 * ```ts
 * upscaleFactor("1024x1024", DEFAULT_BUCKETS[0]); // 8
 * ```
 */
export function upscaleFactor(size: ApiImageSize, bucket: AspectBucket): number {
  const { width, height } = parseSize(size);
  return Math.max(width / bucket.width, height / bucket.height);
}
