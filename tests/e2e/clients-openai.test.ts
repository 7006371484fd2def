/**
 * The client matrix's first row: the unmodified `openai` package (latest) in Node against a real
 * stack, only `baseURL` and `apiKey` changed — dall-e-3 and gpt-image generations, streaming
 * with partial images, edits with a mask, variations, model lookup, the error classes, and the
 * client's own retry after a 429 (and no retry when the edge says `x-should-retry: false`).
 * Recorded in docs/clients.md.
 */
import { randomApiKey } from "@limner/dev-stack";
import OpenAI, { type APIError, type RateLimitError, toFile } from "openai";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintKeyWithLimits } from "./admin-keys";
import { startTestStack, type TestStack } from "./test-stack";

/** Per test: a generation and its download can take minutes on two busy cores. */
const SLOW_MACHINE_MS = 240_000;

let stack: TestStack;
let openai: OpenAI;
let scene: Buffer;

beforeAll(async () => {
  stack = await startTestStack(["tiny-limner", "limner-mini"], {
    edgeVars: {
      LIMNER_DEFAULT_MODEL: "tiny-limner",
      LIMIT_REQUESTS_PER_MINUTE: "1000",
      LIMIT_IMAGES_PER_MINUTE: "1000",
    },
  });
  openai = new OpenAI({ baseURL: `${stack.edgeUrl}/v1`, apiKey: stack.apiKey });
  // A 256×256 scene: a red disc on the left half, a blue square on the right half.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><rect width="256" height="256" fill="#d8d8d8"/><circle cx="64" cy="128" r="40" fill="#e02020"/><rect x="160" y="96" width="64" height="64" fill="#2040e0"/></svg>`;
  scene = await sharp(Buffer.from(svg)).png().toBuffer();
});

afterAll(async () => {
  await stack?.stop();
});

/** The bytes of one answered image, whichever way it came (signed URL or inline base64). */
async function imageBytes(image: OpenAI.Images.Image | undefined): Promise<Buffer> {
  if (image?.b64_json) return Buffer.from(image.b64_json, "base64");
  const download = await fetch(image?.url ?? "");
  expect(download.status).toBe(200);
  return Buffer.from(await download.arrayBuffer());
}

async function formatAndSize(bytes: Buffer): Promise<[string | undefined, number?, number?]> {
  const meta = await sharp(bytes).metadata();
  return [meta.format, meta.width, meta.height];
}

/** Mean absolute RGB difference of two same-sized images over the columns `[from, to)`. */
async function meanDifference(a: Buffer, b: Buffer, from: number, to: number): Promise<number> {
  const decode = (bytes: Buffer) =>
    sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const [x, y] = [await decode(a), await decode(b)];
  expect([y.info.width, y.info.height]).toEqual([x.info.width, x.info.height]);
  let sum = 0;
  let count = 0;
  for (let row = 0; row < x.info.height; row++) {
    for (let column = from; column < to; column++) {
      const offset = (row * x.info.width + column) * 3;
      for (let channel = 0; channel < 3; channel++) {
        sum += Math.abs((x.data[offset + channel] ?? 0) - (y.data[offset + channel] ?? 0));
        count++;
      }
    }
  }
  return sum / count;
}

/** An `openai` client whose every HTTP exchange is recorded: what the client itself sent. */
function countingClient(apiKey: string, options: { maxRetries?: number } = {}) {
  const statuses: number[] = [];
  const client = new OpenAI({
    baseURL: `${stack.edgeUrl}/v1`,
    apiKey,
    ...options,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      statuses.push(response.status);
      return response;
    },
  });
  return { client, statuses };
}

describe("openai in Node: dall-e-3", { timeout: SLOW_MACHINE_MS }, () => {
  it("generates a signed URL at 1792x1024 with hd and natural", async () => {
    const response = await openai.images.generate({
      model: "dall-e-3",
      prompt: "a red star above a blue circle",
      size: "1792x1024",
      quality: "hd",
      style: "natural",
    });
    const [image] = response.data ?? [];
    expect(image?.url).toMatch(/\/v1\/files\/img_[\w-]+\?expires=\d+&signature=[0-9a-f]{64}$/);
    expect(image?.revised_prompt?.length).toBeGreaterThan(0);
    expect(await formatAndSize(await imageBytes(image))).toEqual(["png", 1792, 1024]);
  });

  it("answers b64_json at 1024x1792, with the request id the client reads", async () => {
    const { data, response, request_id } = await openai.images
      .generate({
        model: "dall-e-3",
        prompt: "a green heart",
        size: "1024x1792",
        response_format: "b64_json",
      })
      .withResponse();
    expect(data.data?.[0]?.url).toBeUndefined();
    expect(await formatAndSize(await imageBytes(data.data?.[0]))).toEqual(["png", 1024, 1792]);
    expect(request_id).toMatch(/^req_/);
    expect(response.headers.get("x-request-id")).toBe(request_id);
  });
  it("sends Limner's extensions (seed, steps, upsample) as extra body fields", async () => {
    const generate = async (seed: number) => {
      const response = await openai.images.generate({
        model: "dall-e-3",
        prompt: "a yellow cross",
        response_format: "b64_json",
        // Not in the client's types: spread in as an object, sent as is.
        ...({ seed, steps: 4, upsample: false } as object),
      });
      expect((response as unknown as { limner: { seed: number } }).limner.seed).toBe(seed);
      return response.data?.[0]?.b64_json;
    };
    const [first, again, other] = [await generate(11), await generate(11), await generate(12)];
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });
});

describe("openai in Node: gpt-image", { timeout: SLOW_MACHINE_MS }, () => {
  it("takes gpt-image-1's size, quality and output fields and reports them back", async () => {
    const response = await openai.images.generate({
      model: "gpt-image-1",
      prompt: "a yellow square on a black background",
      size: "1536x1024",
      quality: "low",
      output_format: "jpeg",
      output_compression: 70,
      background: "opaque",
    });
    const [image] = response.data ?? [];
    expect(image?.url).toBeUndefined();
    expect(await formatAndSize(await imageBytes(image))).toEqual(["jpeg", 1536, 1024]);
    expect(response).toMatchObject({
      size: "1536x1024",
      quality: "low",
      output_format: "jpeg",
      background: "opaque",
    });
    expect(response.usage?.total_tokens).toBeGreaterThan(0);
    expect(response.usage?.total_tokens).toBe(
      (response.usage?.input_tokens ?? 0) + (response.usage?.output_tokens ?? 0),
    );
  });

  it("answers size auto with one of gpt-image's sizes, in webp", async () => {
    const response = await openai.images.generate({
      model: "gpt-image-1",
      prompt: "a purple triangle",
      size: "auto",
      output_format: "webp",
    });
    expect(["1024x1024", "1536x1024", "1024x1536"]).toContain(response.size);
    const [width, height] = (response.size ?? "").split("x").map(Number);
    expect(await formatAndSize(await imageBytes(response.data?.[0]))).toEqual([
      "webp",
      width,
      height,
    ]);
  });

  it("streams two partial images and then the completed image (partial_images: 2)", async () => {
    const stream = await openai.images.generate({
      model: "gpt-image-1",
      prompt: "a blue diamond",
      size: "1024x1024",
      stream: true,
      partial_images: 2,
    });
    const events: OpenAI.Images.ImageGenStreamEvent[] = [];
    for await (const event of stream) {
      // Limner's own progress events (`limner.*`) come along; OpenAI's clients pass them through.
      if (event.type.startsWith("image_generation.")) events.push(event);
    }
    expect(events.map((e) => e.type)).toEqual([
      "image_generation.partial_image",
      "image_generation.partial_image",
      "image_generation.completed",
    ]);
    const partials = events.filter(
      (e): e is OpenAI.Images.ImageGenPartialImageEvent =>
        e.type === "image_generation.partial_image",
    );
    expect(partials.map((p) => p.partial_image_index)).toEqual([0, 1]);
    for (const partial of partials) {
      expect(partial).toMatchObject({ size: "1024x1024", output_format: "png" });
      expect(partial.created_at).toBeGreaterThan(0);
      const [format] = await formatAndSize(Buffer.from(partial.b64_json, "base64"));
      expect(format).toBe("png");
    }
    const completed = events.at(-1) as OpenAI.Images.ImageGenCompletedEvent;
    expect(await formatAndSize(Buffer.from(completed.b64_json, "base64"))).toEqual([
      "png",
      1024,
      1024,
    ]);
    expect(completed.usage.total_tokens).toBeGreaterThan(0);
  });

  it("resolves the OpenAI model ids with models.retrieve", async () => {
    for (const id of ["dall-e-3", "gpt-image-1"]) {
      const model = await openai.models.retrieve(id);
      expect(model).toMatchObject({ id, object: "model" });
    }
  });
});

describe("openai in Node: edits and variations", { timeout: SLOW_MACHINE_MS }, () => {
  it("edits only the region a mask leaves transparent (images.edit)", async () => {
    // OpenAI's mask: fully transparent pixels mark where to edit. Here the right half.
    const pixels = Buffer.alloc(256 * 256 * 4);
    for (let i = 0; i < 256 * 256; i++) pixels[i * 4 + 3] = i % 256 < 128 ? 255 : 0;
    const mask = await sharp(pixels, { raw: { width: 256, height: 256, channels: 4 } })
      .png()
      .toBuffer();
    const response = await openai.images.edit({
      image: await toFile(scene, "scene.png", { type: "image/png" }),
      mask: await toFile(mask, "mask.png", { type: "image/png" }),
      prompt: "a green triangle on the right",
      response_format: "b64_json",
    });
    const edited = await imageBytes(response.data?.[0]);
    expect(await formatAndSize(edited)).toEqual(["png", 256, 256]);
    // A margin either side of the mask's edge, where blending may soften the seam.
    const kept = await meanDifference(scene, edited, 0, 112);
    const changed = await meanDifference(scene, edited, 144, 256);
    expect(kept).toBeLessThan(2);
    expect(changed).toBeGreaterThan(kept + 10);
  });

  it("makes a variation of an image (images.createVariation)", async () => {
    const response = await openai.images.createVariation({
      image: await toFile(scene, "scene.png", { type: "image/png" }),
      size: "256x256",
      response_format: "b64_json",
    });
    const variation = await imageBytes(response.data?.[0]);
    expect(await formatAndSize(variation)).toEqual(["png", 256, 256]);
    expect(await meanDifference(scene, variation, 0, 256)).toBeGreaterThan(1);
  });
});

describe("openai in Node: errors and retries", { timeout: SLOW_MACHINE_MS }, () => {
  it("raises BadRequestError naming the param, for each model family's refusals", async () => {
    const size = await openai.images
      .generate({ model: "dall-e-3", prompt: "x", size: "512x512" })
      .catch((e: unknown) => e);
    expect(size).toBeInstanceOf(OpenAI.BadRequestError);
    expect(size).toMatchObject({ status: 400, param: "size" });

    const style = await openai.images
      .generate({ model: "gpt-image-1", prompt: "x", style: "vivid" })
      .catch((e: unknown) => e);
    expect(style).toBeInstanceOf(OpenAI.BadRequestError);
    expect(style).toMatchObject({ status: 400, param: "style" });
  });

  it("raises AuthenticationError for an unknown key, with a request id", async () => {
    const stranger = new OpenAI({ baseURL: `${stack.edgeUrl}/v1`, apiKey: randomApiKey() });
    const error = await stranger.models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: "invalid_api_key" });
    expect((error as APIError).requestID).toMatch(/^req_/);
  });

  it("raises RateLimitError over a key's limit, then retries by itself after retry-after", {
    timeout: SLOW_MACHINE_MS + 60_000,
  }, async () => {
    const key = await mintKeyWithLimits(stack, { requests_per_minute: 1 });
    const request = { model: "dall-e-3", prompt: "a red square" } as const;

    const once = countingClient(key, { maxRetries: 0 });
    await once.client.images.generate(request);
    const refused = await once.client.images.generate(request).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const headers = (refused as RateLimitError).headers;
    // Stock clients (openai-node, the AI SDK) only honour hints up to 60 s.
    const hintMs = Number(headers?.get("retry-after-ms"));
    expect(hintMs).toBeGreaterThan(0);
    expect(hintMs).toBeLessThan(60_000);
    expect(Number(headers?.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(headers?.get("x-should-retry")).not.toBe("false");
    expect(once.statuses).toEqual([200, 429]);

    // Default settings (2 retries): the client waits the hint out and succeeds on its own.
    const patient = countingClient(key);
    const started = Date.now();
    const response = await patient.client.images.generate(request);
    expect(response.data?.[0]?.url).toBeTruthy();
    // One retry after the hint; a second only if the first landed a hair early.
    expect(patient.statuses[0]).toBe(429);
    expect(patient.statuses.at(-1)).toBe(200);
    expect(patient.statuses.length).toBeLessThanOrEqual(3);
    // It waited for the window, not its 0.5–8 s default back-off.
    expect(Date.now() - started).toBeGreaterThan(hintMs - 15_000);
  });

  it("does not retry a request that can never pass (x-should-retry: false)", async () => {
    const key = await mintKeyWithLimits(stack, { images_per_minute: 2 });
    const { client, statuses } = countingClient(key);
    const error = await client.images
      .generate({ model: "dall-e-3", prompt: "three red squares", n: 3 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as RateLimitError).headers?.get("x-should-retry")).toBe("false");
    expect(statuses).toEqual([429]);
  });
});
