/**
 * The gpt-image surface through the unmodified `openai` package against a real stack (edge on
 * workerd, runtime with the trained limner-mini bundle): `gpt-image-1` with a gpt-image size
 * and quality, model ids that resolve, per-family refusals by name, and a stream with
 * `partial_images: 2` that delivers exactly two decodable previews of the image forming, then
 * the completed image with usage.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import type { ImageGenerateParamsStreaming } from "openai/resources/images";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "./test-stack";

let stack: TestStack;
let client: OpenAI;

beforeAll(async () => {
  stack = await startTestStack(["limner-mini"], {
    edgeVars: { LIMNER_DEFAULT_MODEL: "limner-mini", LIMIT_REQUESTS_PER_MINUTE: "1000" },
  });
  client = new OpenAI({ apiKey: stack.apiKey, baseURL: `${stack.edgeUrl}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await stack?.stop();
});

async function decode(b64: string | undefined) {
  const bytes = Buffer.from(b64 ?? "", "base64");
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const meta = await sharp(bytes).metadata();
  return { bytes, pixels: data, format: meta.format, width: info.width, height: info.height };
}

/** Mean absolute difference per channel byte of two equally sized raw images. */
function meanDifference(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return sum / a.length;
}

describe("models", () => {
  it("resolves dall-e-3 and gpt-image-1 as the deployment's default model", async () => {
    for (const id of ["dall-e-3", "gpt-image-1"]) {
      const model = await client.models.retrieve(id);
      expect(model).toMatchObject({ id, object: "model", owned_by: "limner" });
      expect(Reflect.get(model, "alias_of")).toBe("limner-mini");
    }
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(["limner-mini", "dall-e-3", "gpt-image-1"]));
    await expect(client.models.retrieve("gpt-image-0")).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
  });
});

describe("gpt-image-1", () => {
  it("generates 1536x1024 at quality low: a PNG of that size, the settings used and usage", async () => {
    const response = await client.images.generate({
      model: "gpt-image-1",
      prompt: "a red circle on a white background",
      size: "1536x1024",
      quality: "low",
    });
    const image = await decode(response.data?.[0]?.b64_json);
    expect([image.format, image.width, image.height]).toEqual(["png", 1536, 1024]);
    expect(response).toMatchObject({
      size: "1536x1024",
      quality: "low",
      background: "opaque",
      output_format: "png",
    });
    const usage = response.usage;
    // limner-mini's landscape bucket is 224×128: 28×16 latent cells.
    expect(usage?.output_tokens).toBe(28 * 16);
    expect(usage?.input_tokens_details.text_tokens).toBeGreaterThan(2);
    expect(usage?.total_tokens).toBe((usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0));
    expect(Reflect.get(response, "limner")).toMatchObject({ native_size: "224x128" });
  });

  it("refuses dall-e-3's fields and a transparent background by name", async () => {
    for (const [params, param] of [
      [{ response_format: "url" }, "response_format"],
      [{ style: "vivid" }, "style"],
      [{ background: "transparent" }, "background"],
    ] as const) {
      const error = await client.images
        .generate({ model: "gpt-image-1", prompt: "p", ...params })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error).toMatchObject({ param, code: "unsupported_parameter" });
    }
  });

  it("streams exactly two partial images of the image forming, then the completed image", async () => {
    const params: ImageGenerateParamsStreaming & { seed: number; upsample: boolean } = {
      model: "gpt-image-1",
      prompt: "a large red circle on a white background",
      size: "1024x1024",
      quality: "medium",
      stream: true,
      partial_images: 2,
      // Limner's extensions, sent as extra body fields by the unmodified client.
      seed: 7,
      upsample: false,
    };
    const stream = await client.images.generate(params);
    const partials = [];
    const completed = [];
    for await (const event of stream) {
      if (event.type === "image_generation.partial_image") partials.push(event);
      if (event.type === "image_generation.completed") completed.push(event);
    }
    expect(partials.map((p) => p.partial_image_index)).toEqual([0, 1]);
    expect(completed).toHaveLength(1);
    for (const event of [...partials, ...completed]) {
      expect(event).toMatchObject({
        size: "1024x1024",
        quality: "medium",
        background: "auto",
        output_format: "png",
        created_at: expect.any(Number),
      });
    }
    expect(completed[0]?.usage.output_tokens).toBe(16 * 16);

    const [first, second] = await Promise.all(partials.map((p) => decode(p.b64_json)));
    const final = await decode(completed[0]?.b64_json);
    for (const image of [first, second, final]) {
      expect([image?.format, image?.width, image?.height]).toEqual(["png", 1024, 1024]);
    }
    if (!first || !second) throw new Error("missing previews");
    expect(first.pixels.equals(second.pixels)).toBe(false);
    // Each preview is the decoded estimate of the finished image: the later one is closer to it.
    expect(meanDifference(second.pixels, final.pixels)).toBeLessThan(
      meanDifference(first.pixels, final.pixels),
    );
    const artifacts = process.env.LIMNER_E2E_ARTIFACTS;
    if (artifacts) {
      mkdirSync(artifacts, { recursive: true });
      writeFileSync(join(artifacts, "partial-0.png"), first.bytes);
      writeFileSync(join(artifacts, "partial-1.png"), second.bytes);
      writeFileSync(join(artifacts, "completed.png"), final.bytes);
    }
  });
});
