/**
 * `POST /v1/images/edits` and `/v1/images/variations` on a real stack (workerd edge, real
 * runtime, real HTTP) with the unmodified `openai` package: a masked edit keeps every pixel
 * outside the mask and changes the inside (measured), seeds reproduce bytes, several images
 * (`image[]`) are accepted, streaming delivers `partial_images` previews then the images,
 * variations caption their input, and bad input gets OpenAI's 400 naming the field.
 */
import OpenAI, { BadRequestError, toFile } from "openai";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "./test-stack";

let stack: TestStack;
let openai: OpenAI;
/** 192×192: a red disc on a grey background. */
let scene: Buffer;
/** Opaque but for a transparent 64×64 square at (112, 16). */
let mask: Buffer;
const HOLE = { left: 112, top: 16, size: 64 };
const inHole = (x: number, y: number) =>
  x >= HOLE.left && x < HOLE.left + HOLE.size && y >= HOLE.top && y < HOLE.top + HOLE.size;

beforeAll(async () => {
  stack = await startTestStack(["tiny-limner", "limner-mini"], {
    edgeVars: {
      LIMNER_DEFAULT_MODEL: "tiny-limner",
      LIMIT_REQUESTS_PER_MINUTE: "1000",
      LIMIT_IMAGES_PER_MINUTE: "1000",
    },
  });
  openai = new OpenAI({ baseURL: `${stack.edgeUrl}/v1`, apiKey: stack.apiKey, maxRetries: 0 });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="192" height="192"><rect width="192" height="192" fill="#c8c8c8"/><circle cx="60" cy="120" r="40" fill="#e02020"/></svg>`;
  scene = await sharp(Buffer.from(svg)).png().toBuffer();
  const rgba = Buffer.alloc(192 * 192 * 4, 255);
  for (let y = 0; y < 192; y++)
    for (let x = 0; x < 192; x++) if (inHole(x, y)) rgba[(y * 192 + x) * 4 + 3] = 0;
  mask = await sharp(rgba, { raw: { width: 192, height: 192, channels: 4 } })
    .png()
    .toBuffer();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

const png = (bytes: Buffer, name: string) => toFile(bytes, name, { type: "image/png" });

/** Mean absolute RGB difference inside and outside the hole. */
async function differences(a: Buffer, b: Buffer) {
  const decode = (bytes: Buffer) =>
    sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const [x, y] = [await decode(a), await decode(b)];
  expect([y.info.width, y.info.height]).toEqual([x.info.width, x.info.height]);
  const sums = { inside: 0, outside: 0, nIn: 0, nOut: 0 };
  for (let row = 0; row < x.info.height; row++) {
    for (let col = 0; col < x.info.width; col++) {
      for (let c = 0; c < 3; c++) {
        const i = (row * x.info.width + col) * 3 + c;
        const d = Math.abs((x.data[i] ?? 0) - (y.data[i] ?? 0));
        if (inHole(col, row)) {
          sums.inside += d;
          sums.nIn++;
        } else {
          sums.outside += d;
          sums.nOut++;
        }
      }
    }
  }
  return { inside: sums.inside / sums.nIn, outside: sums.outside / sums.nOut };
}

const b64 = (image: OpenAI.Images.Image | undefined) =>
  Buffer.from(image?.b64_json ?? "", "base64");

/** Limner's extensions ride along as extra form fields; the client passes them through. */
type WithExtensions<T> = T & { seed?: number; steps?: number; strength?: number };

describe("POST /v1/images/edits with the openai client", () => {
  it("changes only the masked region, reproducibly per seed", async () => {
    const params: WithExtensions<OpenAI.Images.ImageEditParamsNonStreaming> = {
      image: await png(scene, "scene.png"),
      mask: await png(mask, "mask.png"),
      prompt: "a blue square",
      n: 2,
      response_format: "b64_json",
      seed: 42,
      steps: 6,
    };
    const first = await openai.images.edit(params);
    expect(first.data).toHaveLength(2);
    const [a, b] = [b64(first.data?.[0]), b64(first.data?.[1])];
    expect((await sharp(a).metadata()).width).toBe(192);
    const { inside, outside } = await differences(scene, a);
    expect(outside).toBe(0);
    expect(inside).toBeGreaterThan(5);
    expect(a.equals(b)).toBe(false);
    expect(first.usage?.output_tokens).toBeGreaterThan(0);

    const again = await openai.images.edit({
      ...params,
      image: await png(scene, "scene.png"),
      mask: await png(mask, "mask.png"),
    });
    expect(b64(again.data?.[0]).equals(a)).toBe(true);
  });

  it("answers a signed URL by default, at the requested size", async () => {
    const response = await openai.images.edit({
      image: await png(scene, "scene.png"),
      mask: await png(mask, "mask.png"),
      prompt: "a blue square",
      size: "256x256",
    });
    const download = await fetch(response.data?.[0]?.url ?? "");
    expect(download.status).toBe(200);
    const meta = await sharp(Buffer.from(await download.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["png", 256, 256]);
  });

  it("accepts several images (image[]): references add their captions to the prompt", async () => {
    const response = await openai.images.edit({
      image: [await png(scene, "a.png"), await png(scene, "b.png")],
      prompt: "a blue square",
      response_format: "b64_json",
    } as WithExtensions<OpenAI.Images.ImageEditParamsNonStreaming>);
    expect(response.data).toHaveLength(1);
    expect(response.data?.[0]?.revised_prompt).toMatch(/^a blue square\. \w+/);
  });

  it("streams partial images, then the edited image", async () => {
    const stream = await openai.images.edit({
      image: await png(scene, "scene.png"),
      mask: await png(mask, "mask.png"),
      prompt: "a blue square",
      stream: true,
      partial_images: 2,
      steps: 8,
    } as WithExtensions<OpenAI.Images.ImageEditParamsStreaming>);
    const types: string[] = [];
    let completed: Buffer | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "image_edit.completed") completed = Buffer.from(event.b64_json, "base64");
    }
    expect(types.filter((t) => t === "image_edit.partial_image")).toHaveLength(2);
    expect(types.at(-1)).toBe("image_edit.completed");
    expect((await differences(scene, completed ?? Buffer.alloc(0))).outside).toBe(0);
  });

  it("refuses bad input with 400 naming the field", async () => {
    const refusal = async (params: Record<string, unknown>) => {
      const error = await openai.images
        .edit(params as unknown as OpenAI.Images.ImageEditParamsNonStreaming)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadRequestError);
      return (error as BadRequestError).param;
    };
    const image = await png(scene, "scene.png");
    expect(await refusal({ image })).toBe("prompt");
    const text = await toFile(Buffer.from("not an image"), "notes.png", { type: "image/png" });
    expect(await refusal({ image: text, prompt: "x" })).toBe("image");
    const small = await sharp({
      create: { width: 64, height: 64, channels: 4, background: "#0000" },
    })
      .png()
      .toBuffer();
    expect(await refusal({ image, mask: await png(small, "m.png"), prompt: "x" })).toBe("mask");
    expect(await refusal({ image, prompt: "x", background: "transparent" })).toBe("background");
    expect(await refusal({ image, prompt: "x", strength: 2 })).toBe("strength");
    expect(await refusal({ image, prompt: "x", moderation: "low" })).toBe("moderation");
  });
});

describe("POST /v1/images/variations with the openai client", () => {
  it("redraws the image from its caption, at its own size by default", async () => {
    const response = await openai.images.createVariation({
      image: await png(scene, "scene.png"),
      response_format: "b64_json",
      seed: 1,
      steps: 8,
    } as WithExtensions<OpenAI.Images.ImageCreateVariationParams>);
    const variation = b64(response.data?.[0]);
    const meta = await sharp(variation).metadata();
    expect([meta.width, meta.height]).toEqual([192, 192]);
    expect(response.data?.[0]?.revised_prompt).toMatch(/\w+/);
    const { inside, outside } = await differences(scene, variation);
    expect(inside + outside).toBeGreaterThan(1);
  });

  it("refuses a prompt by name", async () => {
    const error = await openai.images
      .createVariation({
        image: await png(scene, "scene.png"),
        prompt: "no",
      } as OpenAI.Images.ImageCreateVariationParams)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).code).toBe("unsupported_parameter");
  });
});
