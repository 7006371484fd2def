/**
 * Untrusted image bytes in: base64 (or a `data:` URL) → checked header → RGB pixels at a model
 * bucket. Everything that can be refused is refused from the header, before any pixel is
 * decoded, so a small file that expands to gigapixels (a decompression bomb) costs nothing.
 *
 * @module
 */
import type { AspectBucket } from "@limner/contracts";
import sharp, { type Metadata } from "sharp";

const ACCEPTED_FORMATS = new Set(["png", "jpeg", "webp"]);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DATA_URL = /^data:image\/[a-z0-9.+-]+;base64,/i;

export type ImageInputProblem =
  | "not_base64"
  | "not_an_image"
  | "unsupported_format"
  | "too_many_pixels";

export class ImageInputError extends Error {
  constructor(
    readonly problem: ImageInputProblem,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "ImageInputError";
  }
}

export interface CheckedImage {
  readonly bytes: Buffer;
  readonly width: number;
  readonly height: number;
  readonly format: string;
}

export interface ImageLimits {
  maxPixels: number;
  maxBytes?: number;
}

/** Decodes base64 and reads only the header; throws {@link ImageInputError}. */
export async function checkImage(
  base64OrDataUrl: string,
  { maxPixels, maxBytes = 32 * 1024 * 1024 }: ImageLimits,
): Promise<CheckedImage> {
  const base64 = base64OrDataUrl.replace(DATA_URL, "").replace(/\s+/g, "");
  if (base64.length === 0 || base64.length % 4 !== 0 || !BASE64.test(base64)) {
    throw new ImageInputError(
      "not_base64",
      "The image must be base64 (or a data:image/...;base64, URL).",
    );
  }
  if ((base64.length / 4) * 3 > maxBytes) {
    throw new ImageInputError("too_many_pixels", `The image is larger than ${maxBytes} bytes.`);
  }
  const bytes = Buffer.from(base64, "base64");
  let metadata: Metadata;
  try {
    // Header only; our own pixel check below gives the precise reason.
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new ImageInputError(
      "not_an_image",
      "The bytes are not a readable image (truncated or not PNG/JPEG/WebP).",
      error,
    );
  }
  const { format, width, height } = metadata;
  if (!format || !ACCEPTED_FORMATS.has(format)) {
    throw new ImageInputError(
      "unsupported_format",
      `Unsupported image format '${format ?? "unknown"}'; send PNG, JPEG or WebP.`,
    );
  }
  if (!width || !height) {
    throw new ImageInputError("not_an_image", "The image header has no dimensions.");
  }
  if (width * height > maxPixels) {
    throw new ImageInputError(
      "too_many_pixels",
      `The image is ${width}×${height} = ${width * height} pixels; the limit is ${maxPixels}.`,
    );
  }
  return { bytes, width, height, format };
}

/**
 * RGB in [0, 1], planar NCHW (batch 1) at the bucket's size. The image is stretched to the
 * bucket: the bucket was chosen for the nearest aspect ratio, and stretching keeps every object
 * in frame where cropping could cut one out of the caption.
 */
export async function toBucketTensor(
  image: CheckedImage,
  bucket: AspectBucket,
  maxPixels: number,
): Promise<Float32Array> {
  let raw: Buffer;
  try {
    raw = await sharp(image.bytes, { limitInputPixels: maxPixels, failOn: "error" })
      .removeAlpha()
      .toColourspace("srgb")
      .resize(bucket.width, bucket.height, { fit: "fill", kernel: "lanczos3" })
      .raw()
      .toBuffer();
  } catch (error) {
    // The decoder's own text (libpng, libvips) names internals: it goes to the log, not the caller.
    throw new ImageInputError("not_an_image", "The image could not be decoded.", error);
  }
  const plane = bucket.width * bucket.height;
  const tensor = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    tensor[i] = (raw[3 * i] ?? 0) / 255;
    tensor[plane + i] = (raw[3 * i + 1] ?? 0) / 255;
    tensor[2 * plane + i] = (raw[3 * i + 2] ?? 0) / 255;
  }
  return tensor;
}
