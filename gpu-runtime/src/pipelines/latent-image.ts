/**
 * Turning decoder output and latents into RGB bytes. The decoder emits planar `[3, H, W]` in
 * [-1, 1] (diffusers' convention); image encoders want interleaved 8-bit RGB.
 *
 * @module
 */

export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** Interleaved 8-bit RGB, row-major. */
  readonly rgb: Uint8Array;
}

/** Planar `[3, H, W]` in [-1, 1] (at `offset` in `data`) → interleaved RGB bytes. */
export function planarToRgb(
  data: Float32Array,
  offset: number,
  width: number,
  height: number,
): RgbImage {
  const plane = width * height;
  const rgb = new Uint8Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) {
      const v = ((data[base + i] ?? 0) + 1) * 127.5;
      // Round half up after clamping, as diffusers' (x / 2 + 0.5).clamp(0, 1) * 255 then round.
      rgb[3 * i + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return { width, height, rgb };
}

/**
 * Stable Diffusion's latent → RGB linear approximation (a published, widely used 4×3 fit), for
 * previews that cost no decoder call. Other latent spaces still give a recognisable layout.
 */
const LATENT_RGB_FACTORS = [
  [0.298, 0.207, 0.208],
  [0.187, 0.286, 0.173],
  [-0.158, 0.189, 0.264],
  [-0.184, -0.271, -0.473],
] as const;

/** A preview at latent resolution from `[C, h, w]` latents (only the first 4 channels used). */
export function latentPreview(latents: Float32Array, width: number, height: number): RgbImage {
  const plane = width * height;
  const rgb = new Uint8Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      let v = 0;
      for (let k = 0; k < LATENT_RGB_FACTORS.length; k++) {
        v += (latents[k * plane + i] ?? 0) * (LATENT_RGB_FACTORS[k]?.[c] ?? 0);
      }
      const byte = (v + 1) * 127.5;
      rgb[3 * i + c] = byte <= 0 ? 0 : byte >= 255 ? 255 : Math.round(byte);
    }
  }
  return { width, height, rgb };
}
