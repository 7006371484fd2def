import { describe, expect, expectTypeOf, it } from "vitest";
import {
  AspectBucket,
  bucketForSize,
  closestBucket,
  DEFAULT_BUCKETS,
  IMAGE_SIZES,
  ImageSize,
  parseSize,
  upscaleFactor,
} from "../src/index";

describe("ImageSize", () => {
  it("accepts exactly dall-e-3's sizes", () => {
    expect(IMAGE_SIZES).toEqual(["1024x1024", "1792x1024", "1024x1792"]);
    for (const size of IMAGE_SIZES) expect(ImageSize.parse(size)).toBe(size);
    for (const size of ["256x256", "512x512", "1536x1024", "auto"]) {
      expect(ImageSize.safeParse(size).success).toBe(false);
    }
  });

  it("is a literal union", () => {
    expectTypeOf<ImageSize>().toEqualTypeOf<"1024x1024" | "1792x1024" | "1024x1792">();
  });
});

describe("AspectBucket", () => {
  it("accepts the default buckets", () => {
    for (const bucket of DEFAULT_BUCKETS) expect(AspectBucket.parse(bucket)).toEqual(bucket);
  });

  it("rejects sides that are not whole latent cells", () => {
    expect(AspectBucket.safeParse({ name: "odd", width: 100, height: 128 }).success).toBe(false);
    expect(AspectBucket.safeParse({ name: "zero", width: 0, height: 128 }).success).toBe(false);
    expect(AspectBucket.safeParse({ name: "frac", width: 128.5, height: 128 }).success).toBe(false);
    expect(AspectBucket.safeParse({ name: "", width: 128, height: 128 }).success).toBe(false);
  });
});

describe("DEFAULT_BUCKETS", () => {
  it("are limner-mini's native sizes at 1/8 scale", () => {
    expect(DEFAULT_BUCKETS).toEqual([
      { name: "square", width: 128, height: 128 },
      { name: "landscape", width: 224, height: 128 },
      { name: "portrait", width: 128, height: 224 },
    ]);
    expect(Object.isFrozen(DEFAULT_BUCKETS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_BUCKETS[0])).toBe(true);
  });
});

describe("parseSize", () => {
  it("splits width and height", () => {
    expect(parseSize("1792x1024")).toEqual({ width: 1792, height: 1024 });
    expect(parseSize("128x224")).toEqual({ width: 128, height: 224 });
  });

  it.each(["1024", "x1024", "1024x", "0x10", "10X10", "-1x2", "1.5x2"])("rejects %s", (size) => {
    expect(() => parseSize(size)).toThrow(RangeError);
  });
});

describe("bucketForSize", () => {
  it.each([
    ["1024x1024", "square"],
    ["1792x1024", "landscape"],
    ["1024x1792", "portrait"],
  ] as const)("%s renders at %s", (size, name) => {
    expect(bucketForSize(size).name).toBe(name);
  });

  it("picks the closest ratio in log space", () => {
    const buckets = [
      { name: "wide", width: 256, height: 128 },
      { name: "square", width: 128, height: 128 },
    ];
    // 1792:1024 = 1.75: log distance to 2:1 is 0.134, to 1:1 is 0.560.
    expect(bucketForSize("1792x1024", buckets).name).toBe("wide");
    expect(bucketForSize("1024x1792", buckets).name).toBe("square");
  });

  it("breaks ties towards the larger area", () => {
    const small = { name: "small", width: 64, height: 64 };
    const large = { name: "large", width: 256, height: 256 };
    expect(bucketForSize("1024x1024", [small, large]).name).toBe("large");
    expect(bucketForSize("1024x1024", [large, small]).name).toBe("large");
    // 2:1 and 1:2 are equally far from 1:1 in log space.
    const wide = { name: "wide", width: 256, height: 128 };
    const tall = { name: "tall", width: 64, height: 128 };
    expect(bucketForSize("1024x1024", [tall, wide]).name).toBe("wide");
  });

  it("throws without buckets", () => {
    expect(() => bucketForSize("1024x1024", [])).toThrow(RangeError);
  });
});

describe("upscaleFactor", () => {
  it("is 8 for every default pairing", () => {
    for (const size of IMAGE_SIZES) expect(upscaleFactor(size, bucketForSize(size))).toBe(8);
  });

  it("covers the target when ratios differ", () => {
    expect(upscaleFactor("1792x1024", { name: "square", width: 128, height: 128 })).toBe(14);
  });
});

describe("closestBucket", () => {
  it("maps arbitrary image sizes to the nearest aspect ratio", () => {
    expect(closestBucket(600, 480).name).toBe("square");
    expect(closestBucket(640, 480).name).toBe("landscape"); // 4:3 is nearer 7:4 than 1:1 in log ratio
    expect(closestBucket(1920, 1080).name).toBe("landscape");
    expect(closestBucket(300, 600).name).toBe("portrait");
    expect(() => closestBucket(1, 1, [])).toThrow(RangeError);
  });
});
