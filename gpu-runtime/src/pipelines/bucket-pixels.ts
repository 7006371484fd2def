/**
 * The image encoders' input contract: planar RGB at exactly one of the model's buckets (no
 * resize inside a pipeline; `toBucketTensor` does that at the edge of the runtime).
 *
 * @module
 */
import type { AspectBucket } from "@limner/contracts";

/** Throws a `RangeError` unless `bucket` is one of `buckets` and `pixels` fill it exactly. */
export function checkBucketPixels(
  buckets: readonly AspectBucket[],
  bucket: AspectBucket,
  pixels: Float32Array,
): void {
  if (!buckets.some((b) => b.width === bucket.width && b.height === bucket.height)) {
    throw new RangeError(`${bucket.width}×${bucket.height} is not one of this model's buckets`);
  }
  const needed = 3 * bucket.width * bucket.height;
  if (pixels.length !== needed) {
    throw new RangeError(
      `pixels hold ${pixels.length} values; ${bucket.width}×${bucket.height} RGB needs ${needed}`,
    );
  }
}
