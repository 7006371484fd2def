/**
 * PSNR in dB of images in [-1, 1] on the 8-bit scale after clamping and rounding, with the MSE
 * floored at 1e-10 — `psnr` of training/image/vae.py, so the card's two PSNRs compare. Ties
 * round to even, as `torch.round` does there.
 *
 * @module
 */
import { roundHalfEven } from "../src/schedulers/scheduler";

export function psnr(reconstruction: Float32Array, target: Float32Array): number {
  if (reconstruction.length !== target.length || target.length === 0) {
    throw new RangeError(
      `psnr needs equal, non-empty arrays (${reconstruction.length} vs ${target.length})`,
    );
  }
  const to8bit = (v: number) => roundHalfEven((Math.min(Math.max(v, -1), 1) + 1) * 127.5);
  let sum = 0;
  for (let i = 0; i < target.length; i++) {
    const d = to8bit(reconstruction[i] ?? 0) - to8bit(target[i] ?? 0);
    sum += d * d;
  }
  return 10 * Math.log10(255 ** 2 / Math.max(sum / target.length, 1e-10));
}
