/**
 * The edit region in OpenAI's convention (alpha 0 = edit) and its two resamplings: the latent
 * mask (any edited pixel marks its cell, then one cell of dilation) and the composite that puts
 * the input's own pixels back outside the region.
 */
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { compositeKept, editRegion, latentMask } from "../../src/images/edit-region";
import { checkImage } from "../../src/images/image-input";

const LIMITS = { maxPixels: 1_000_000 };

async function rgbaPng(width: number, height: number, alphaAt: (x: number, y: number) => number) {
  const raw = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      raw.set([(x * 7) % 256, (y * 5) % 256, 128, alphaAt(x, y)], i);
    }
  const png = await sharp(raw, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
  return checkImage(png.toString("base64"), LIMITS);
}

describe("editRegion", () => {
  it("marks exactly the fully transparent pixels, at the asked size", async () => {
    const image = await rgbaPng(32, 32, (x, y) => (x >= 16 && y < 8 ? 0 : x === 0 ? 1 : 255));
    const region = await editRegion(image, 32, 32, LIMITS.maxPixels);
    expect(region?.mask.reduce((a, b) => a + b, 0)).toBe(16 * 8);
    expect(region?.mask[5]).toBe(0); // alpha 1 is not "fully transparent"
    const half = await editRegion(image, 16, 16, LIMITS.maxPixels);
    expect(half?.mask.reduce((a, b) => a + b, 0)).toBe(8 * 4);
  });

  it("is undefined for an opaque image or one without alpha (the whole image is edited)", async () => {
    expect(
      await editRegion(await rgbaPng(8, 8, () => 255), 8, 8, LIMITS.maxPixels),
    ).toBeUndefined();
    const rgb = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#123456" } })
      .png()
      .toBuffer();
    const checked = await checkImage(rgb.toString("base64"), LIMITS);
    expect(await editRegion(checked, 8, 8, LIMITS.maxPixels)).toBeUndefined();
  });
});

describe("latentMask", () => {
  it("marks every cell holding an edited pixel, then dilates by one cell", () => {
    const mask = new Uint8Array(64 * 64);
    mask[20 * 64 + 20] = 1; // one pixel in cell (2, 2) of an 8×8 grid
    const cells = latentMask({ width: 64, height: 64, mask }, 8);
    const on = [...cells.keys()]
      .filter((i) => cells[i] === 1)
      .map((i) => [i % 8, Math.floor(i / 8)]);
    expect(on).toHaveLength(9);
    for (const [x, y] of on) {
      expect(Math.abs((x ?? 0) - 2)).toBeLessThanOrEqual(1);
      expect(Math.abs((y ?? 0) - 2)).toBeLessThanOrEqual(1);
    }
    expect([...latentMask({ width: 64, height: 64, mask }, 8, 0)].filter(Boolean)).toHaveLength(1);
  });
});

describe("compositeKept", () => {
  it("keeps the input's pixels outside the region and the generated ones inside", async () => {
    const image = await rgbaPng(16, 16, (x) => (x < 8 ? 255 : 0));
    const region = await editRegion(image, 16, 16, LIMITS.maxPixels);
    if (!region) throw new Error("no region");
    const generated = { width: 8, height: 8, rgb: new Uint8Array(8 * 8 * 3).fill(200) };
    const out = await compositeKept(generated, image, region, LIMITS.maxPixels);
    const input = await sharp(image.bytes).removeAlpha().raw().toBuffer();
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < 16; x++)
        for (let c = 0; c < 3; c++) {
          const i = (y * 16 + x) * 3 + c;
          expect(out.rgb[i]).toBe(x < 8 ? input[i] : 200);
        }
  });
});
