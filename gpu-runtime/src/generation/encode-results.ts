/**
 * What `generate` and `edit` do alike once the pipeline has run: encode finished pixels into
 * the procedures' `GeneratedImage` records and base64 previews, describe how a result was
 * rendered, and record the per-image wall time.
 *
 * @module
 */
import type { AspectBucket, GeneratedImage } from "@limner/contracts";
import type { RuntimeMetrics } from "../metrics";
import { encodeImage, type ImageFormat } from "../pipelines/encode-image";
import { latentPreview, type RgbImage } from "../pipelines/latent-image";
import type { BatchSettings } from "../pipelines/text-to-image";

/** A request's output fields: how its images (and counted previews) are encoded. */
export interface OutputEncoding {
  readonly outputFormat: ImageFormat;
  /** Resize to this on encoding; absent: the image's own size. */
  readonly outputSize?: { width: number; height: number } | undefined;
  readonly outputCompression?: number | undefined;
}

/** One image encoded as the request asks, as base64 (a preview, or a result's bytes). */
export async function encodeBase64(image: RgbImage, encoding: OutputEncoding): Promise<string> {
  const out = await encodeImage(
    image,
    encoding.outputFormat,
    encoding.outputSize,
    encoding.outputCompression,
  );
  return out.bytes.toString("base64");
}

/**
 * A request's images as `GeneratedImage` records, in order (`index` k is image k, drawn from the
 * request's `seed`). `finish`, when given, reworks each image before it is encoded.
 */
export function encodeResults(
  images: readonly RgbImage[],
  encoding: OutputEncoding,
  seed: number,
  finish?: (image: RgbImage) => Promise<RgbImage>,
): Promise<GeneratedImage[]> {
  return Promise.all(
    images.map(async (image, k) => {
      const out = await encodeImage(
        finish ? await finish(image) : image,
        encoding.outputFormat,
        encoding.outputSize,
        encoding.outputCompression,
      );
      return {
        b64: out.bytes.toString("base64"),
        mimeType: out.mimeType,
        width: out.width,
        height: out.height,
        seed,
        index: k,
      };
    }),
  );
}

/** How a result was rendered: the fields `generate` and `edit` results share after `images`. */
export function renderedWith(bucket: AspectBucket, settings: BatchSettings, guidanceScale: number) {
  return {
    bucket: bucket.name,
    nativeWidth: bucket.width,
    nativeHeight: bucket.height,
    steps: settings.steps,
    guidanceScale,
    decoder: settings.decoder,
    scheduler: settings.scheduler,
  };
}

/** The free latent-resolution preview of a `width`×`height` image, as base64 PNG. */
export async function latentPreviewPng(
  latents: Float32Array,
  size: { width: number; height: number },
  vaeScaleFactor: number,
): Promise<string> {
  const image = latentPreview(latents, size.width / vaeScaleFactor, size.height / vaeScaleFactor);
  return (await encodeImage(image, "png")).bytes.toString("base64");
}

/**
 * Records one `imageSeconds` sample per image: the request's wall time from `elapsedMs`, split
 * evenly over its `count` images.
 */
export function observeImageSeconds(
  metrics: RuntimeMetrics | undefined,
  labels: { model: string; bucket: string; decoder: string },
  elapsedMs: number,
  count: number,
): void {
  for (let i = 0; i < count; i++) {
    metrics?.imageSeconds.observe(labels, elapsedMs / 1000 / count);
  }
}
