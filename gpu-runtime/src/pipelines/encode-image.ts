/**
 * RGB bytes → PNG / JPEG / WebP, upscaled to the requested API size when it is larger than the
 * model's native bucket (the model renders small; the API promises e.g. 1792×1024).
 *
 * @module
 */
import sharp from "sharp";
import type { RgbImage } from "./latent-image";

export type ImageFormat = "png" | "jpeg" | "webp";

/** JPEG / WebP quality when the request sets none. */
const LOSSY_QUALITY = 92;

const MIME_TYPES: Record<ImageFormat, string> = {
  png: "image/png",
  jpeg: "image/jpeg",
  webp: "image/webp",
};

export interface EncodedImage {
  readonly bytes: Buffer;
  readonly mimeType: string;
  readonly width: number;
  readonly height: number;
}

/**
 * Encodes `image` as `format`, resized to `outputSize` when given. `quality` (0–100, the API's
 * `output_compression`, 0 read as 1, sharp's lowest) sets the JPEG / WebP encoder quality; absent,
 * a fixed 92 is used.
 */
export async function encodeImage(
  image: RgbImage,
  format: ImageFormat,
  outputSize?: { width: number; height: number },
  quality = LOSSY_QUALITY,
): Promise<EncodedImage> {
  let pipeline = sharp(image.rgb, {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
  let { width, height } = image;
  if (outputSize && (outputSize.width !== width || outputSize.height !== height)) {
    // `cover` keeps the aspect ratio and crops the (tiny) overflow when the bucket's ratio is
    // not exactly the API's (7:4 vs 1792:1024 is exact; other sizes may not be).
    pipeline = pipeline.resize(outputSize.width, outputSize.height, {
      fit: "cover",
      kernel: "lanczos3",
    });
    ({ width, height } = outputSize);
  }
  // Fixed encoder settings and no metadata, so one seed gives the same bytes every time.
  const encoded =
    format === "png"
      ? pipeline.png({ compressionLevel: 6, adaptiveFiltering: false })
      : format === "jpeg"
        ? pipeline.jpeg({ quality: Math.max(1, quality), mozjpeg: false })
        : pipeline.webp({ quality: Math.max(1, quality) });
  return { bytes: await encoded.toBuffer(), mimeType: MIME_TYPES[format], width, height };
}
