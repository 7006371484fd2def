/**
 * The judge's input: interleaved 8-bit RGB at the image's own size, decoded from bytes that
 * `checkImage` has already vetted (format, dimensions, pixel budget).
 *
 * @module
 */
import sharp from "sharp";
import { type CheckedImage, ImageInputError } from "../images/image-input";

export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** `width * height * 3` bytes, row-major, R G B. */
  readonly data: Uint8Array;
}

/** Decodes a checked image to raw sRGB without resizing; throws {@link ImageInputError}. */
export async function decodeRgb(image: CheckedImage, maxPixels: number): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(image.bytes, {
      limitInputPixels: maxPixels,
      failOn: "error",
    })
      .removeAlpha()
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, not 3`);
    return { width: info.width, height: info.height, data };
  } catch (error) {
    // The decoder's own text (libpng, libvips) names internals: it goes to the log, not the caller.
    throw new ImageInputError("not_an_image", "The image could not be decoded.", error);
  }
}
