/**
 * Where an edit may change the image, in OpenAI's convention: the fully transparent pixels
 * (alpha 0) of the mask — or, without a mask, of the image itself — are edited; everything
 * else is kept. Also the two resamplings of that region the image-to-image pipeline needs: a
 * latent-grid mask for the denoiser and the pixel composite that puts the kept pixels back.
 *
 * Every decode here runs on a {@link CheckedImage} (header already checked) and under sharp's
 * pixel limit, like `toBucketTensor`.
 *
 * @module
 */
import sharp, { type Sharp } from "sharp";
import type { RgbImage } from "../pipelines/latent-image";
import { type CheckedImage, ImageInputError } from "./image-input";

/** 1 where the image may change, 0 where it is kept, one value per pixel (row-major). */
export interface EditRegion {
  readonly width: number;
  readonly height: number;
  readonly mask: Uint8Array;
}

/**
 * The edit region at `width`×`height` from `source`'s alpha channel (nearest-neighbour, so it
 * stays binary), or `undefined` when no pixel is fully transparent: the whole image is edited.
 */
export async function editRegion(
  source: CheckedImage,
  width: number,
  height: number,
  maxPixels: number,
): Promise<EditRegion | undefined> {
  const alpha = await decode(maxPixels, source, (image) =>
    image.ensureAlpha().extractChannel(3).resize(width, height, { fit: "fill", kernel: "nearest" }),
  );
  const mask = new Uint8Array(width * height);
  let edited = 0;
  for (let i = 0; i < mask.length; i++) {
    if (alpha[i] === 0) {
      mask[i] = 1;
      edited += 1;
    }
  }
  return edited === 0 ? undefined : { width, height, mask };
}

/**
 * The region on the `w`×`h` latent grid of a `scale`× VAE: a cell is edited when any of its
 * pixels is, then the region grows by `dilate` cells, so the boundary cells — whose decoded
 * pixels also depend on their neighbours — are regenerated consistently with the new content.
 */
export function latentMask(region: EditRegion, scale: number, dilate = 1): Float32Array {
  const w = Math.floor(region.width / scale);
  const h = Math.floor(region.height / scale);
  const cells = new Uint8Array(w * h);
  for (let y = 0; y < region.height; y++) {
    for (let x = 0; x < region.width; x++) {
      if (region.mask[y * region.width + x]) {
        const cx = Math.min(w - 1, Math.floor(x / scale));
        const cy = Math.min(h - 1, Math.floor(y / scale));
        cells[cy * w + cx] = 1;
      }
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let on = 0;
      for (let dy = -dilate; dy <= dilate && !on; dy++) {
        for (let dx = -dilate; dx <= dilate && !on; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w && cells[yy * w + xx]) on = 1;
        }
      }
      out[y * w + x] = on;
    }
  }
  return out;
}

/**
 * The generated image resized to `region`'s size, with `original`'s own pixels wherever the
 * region keeps them: the answer differs from the input only where the client asked.
 */
export async function compositeKept(
  generated: RgbImage,
  original: CheckedImage,
  region: EditRegion,
  maxPixels: number,
): Promise<RgbImage> {
  const { width, height } = region;
  const resized = (await resizeRgb(generated, width, height)).rgb;
  const kept = await rgbAt(original, width, height, maxPixels);
  const rgb = new Uint8Array(3 * width * height);
  for (let i = 0; i < width * height; i++) {
    const from = region.mask[i] ? resized : kept;
    rgb[3 * i] = from[3 * i] ?? 0;
    rgb[3 * i + 1] = from[3 * i + 1] ?? 0;
    rgb[3 * i + 2] = from[3 * i + 2] ?? 0;
  }
  return { width, height, rgb };
}

/** `image` stretched to `width`×`height` (as the input was stretched into the bucket). */
export async function resizeRgb(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (image.width === width && image.height === height) return image;
  const rgb = await sharp(image.rgb, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(width, height, { fit: "fill", kernel: "lanczos3" })
    .raw()
    .toBuffer();
  return { width, height, rgb: new Uint8Array(rgb) };
}

/** `image` as 8-bit RGB at `width`×`height` (stretched, as the bucket tensor is). */
export async function rgbAt(
  image: CheckedImage,
  width: number,
  height: number,
  maxPixels: number,
): Promise<Uint8Array> {
  return decode(maxPixels, image, (pipeline) => {
    const rgb = pipeline.removeAlpha().toColourspace("srgb");
    return image.width === width && image.height === height
      ? rgb
      : rgb.resize(width, height, { fit: "fill", kernel: "lanczos3" });
  });
}

async function decode(
  maxPixels: number,
  image: CheckedImage,
  build: (pipeline: Sharp) => Sharp,
): Promise<Uint8Array> {
  try {
    const pipeline = sharp(image.bytes, { limitInputPixels: maxPixels, failOn: "error" });
    return new Uint8Array(await build(pipeline).raw().toBuffer());
  } catch (error) {
    // The decoder's own text names internals: it goes to the log, not the caller.
    throw new ImageInputError("not_an_image", "The image could not be decoded.", error);
  }
}
