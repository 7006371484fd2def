/**
 * Pixel checks on browser screenshots (PNG bytes from Playwright), decoded with sharp: whether a
 * region shows an image rather than a flat panel, and how far two screenshots differ.
 */
import sharp from "sharp";

/** The mean over channels of each channel's standard deviation: ~0 for a flat fill. */
export async function pixelSpread(png: Buffer): Promise<number> {
  const { channels } = await sharp(png).removeAlpha().stats();
  return channels.reduce((sum, c) => sum + c.stdev, 0) / channels.length;
}

/** Mean absolute difference per channel (0–255) after scaling both to the same small grid. */
export async function meanDifference(a: Buffer, b: Buffer, side = 64): Promise<number> {
  const [x, y] = await Promise.all(
    [a, b].map((png) =>
      sharp(png).removeAlpha().resize(side, side, { fit: "fill" }).raw().toBuffer(),
    ),
  );
  if (!x || !y) throw new Error("unreachable: two buffers decoded");
  let total = 0;
  for (let i = 0; i < x.length; i++) total += Math.abs((x[i] ?? 0) - (y[i] ?? 0));
  return total / x.length;
}

/** RGB pixels of an encoded image, for region-by-region comparisons. */
export async function rgbPixels(
  bytes: Buffer,
): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
