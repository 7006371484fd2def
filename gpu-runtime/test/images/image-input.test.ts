import { crc32 } from "node:zlib";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { checkImage, ImageInputError, toBucketTensor } from "../../src/images/image-input";

const LIMIT = { maxPixels: 1024 * 1024 };

async function png(width: number, height: number, rgb: [number, number, number] = [255, 0, 0]) {
  const buffer = await sharp({
    create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } },
  })
    .png()
    .toBuffer();
  return buffer.toString("base64");
}

async function problemOf(input: string, limits = LIMIT) {
  const error = await checkImage(input, limits).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ImageInputError);
  return (error as ImageInputError).problem;
}

describe("checkImage", () => {
  it("accepts base64 and data URLs and reads the size from the header", async () => {
    const b64 = await png(30, 20);
    await expect(checkImage(b64, LIMIT)).resolves.toMatchObject({
      width: 30,
      height: 20,
      format: "png",
    });
    await expect(checkImage(`data:image/png;base64,${b64}`, LIMIT)).resolves.toMatchObject({
      width: 30,
    });
  });

  it("refuses text that is not base64", async () => {
    expect(await problemOf("not base64!!")).toBe("not_base64");
    expect(await problemOf("")).toBe("not_base64");
  });

  it("refuses bytes that are not an image, and truncated images", async () => {
    expect(await problemOf(Buffer.from("hello world, I am text").toString("base64"))).toBe(
      "not_an_image",
    );
    const truncated = Buffer.from(await png(64, 64), "base64")
      .subarray(0, 20)
      .toString("base64");
    expect(await problemOf(truncated)).toBe("not_an_image");
  });

  it("refuses formats other than PNG, JPEG and WebP", async () => {
    const gif = (
      await sharp({ create: { width: 4, height: 4, channels: 3, background: "red" } })
        .gif()
        .toBuffer()
    ).toString("base64");
    expect(await problemOf(gif)).toBe("unsupported_format");
  });

  it("refuses a decompression bomb from its header alone", async () => {
    // A tiny PNG whose header claims 100000×100000 pixels: decoding it would need 30 GB.
    const bomb = Buffer.from(await png(1, 1), "base64");
    bomb.writeUInt32BE(100_000, 16); // IHDR width
    bomb.writeUInt32BE(100_000, 20); // IHDR height
    bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29); // IHDR CRC over type + data
    expect(await problemOf(bomb.toString("base64"))).toBe("too_many_pixels");
  });
});

describe("toBucketTensor", () => {
  it("gives planar RGB in [0, 1] at the bucket size", async () => {
    const image = await checkImage(await png(10, 10, [255, 128, 0]), LIMIT);
    const tensor = await toBucketTensor(
      image,
      { name: "square", width: 16, height: 16 },
      LIMIT.maxPixels,
    );
    expect(tensor.length).toBe(3 * 16 * 16);
    expect(tensor[0]).toBeCloseTo(1, 5);
    expect(tensor[256]).toBeCloseTo(128 / 255, 2);
    expect(tensor[512]).toBeCloseTo(0, 5);
  });
});
