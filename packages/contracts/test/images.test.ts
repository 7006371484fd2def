import { describe, expect, expectTypeOf, it } from "vitest";
import {
  DEFAULT_IMAGE_MODEL,
  IMAGE_MODEL_ALIASES,
  ImageData,
  ImageGenerationRequest,
  type ImageGenerationRequestInput,
  ImageGenerationResponse,
  type ImageSize,
} from "../src/index";

const ok = (body: Record<string, unknown>) =>
  ImageGenerationRequest.safeParse({ prompt: "a red square", ...body }).success;

describe("ImageGenerationRequest", () => {
  it("fills dall-e-3's defaults for a minimal request", () => {
    expect(ImageGenerationRequest.parse({ prompt: "a red square" })).toEqual({
      prompt: "a red square",
      n: 1,
      size: "1024x1024",
      quality: "standard",
      style: "vivid",
      response_format: "url",
      stream: false,
      output_format: "png",
    });
    expect(DEFAULT_IMAGE_MODEL).toBe("limner-mini");
  });

  it("accepts every field", () => {
    const full = {
      prompt: "a red square left of a blue circle",
      model: "dall-e-3",
      n: 4,
      size: "1024x1792",
      quality: "hd",
      style: "natural",
      response_format: "b64_json",
      user: "user-1234",
      seed: 42,
      negative_prompt: "blurry",
      steps: 30,
      guidance_scale: 7.5,
      decoder: "consistency",
      upsample: false,
      stream: true,
      output_format: "webp",
    } as const;
    expect(ImageGenerationRequest.parse(full)).toEqual(full);
  });

  it("keeps the dall-e-3 alias as sent", () => {
    expect(IMAGE_MODEL_ALIASES).toContain("dall-e-3");
    expect(ImageGenerationRequest.parse({ prompt: "p", model: "dall-e-3" }).model).toBe("dall-e-3");
  });

  it.each([
    ["prompt", ""],
    ["prompt", "x".repeat(4001)],
    ["model", ""],
    ["n", 0],
    ["n", 5],
    ["n", 1.5],
    ["n", "1"],
    ["user", "u".repeat(257)],
    ["seed", -1],
    ["seed", 2 ** 32],
    ["seed", 0.5],
    ["negative_prompt", "x".repeat(4001)],
    ["steps", 0],
    ["steps", 101],
    ["steps", 2.5],
    ["guidance_scale", -0.1],
    ["guidance_scale", 30.1],
    ["upsample", "no"],
    ["stream", 1],
  ])("rejects %s = %j", (field, value) => {
    expect(ok({ [field]: value })).toBe(false);
  });

  it.each([
    ["prompt", "x"],
    ["prompt", "x".repeat(4000)],
    ["n", 1],
    ["n", 4],
    ["user", "u".repeat(256)],
    ["seed", 0],
    ["seed", 2 ** 32 - 1],
    ["negative_prompt", ""],
    ["negative_prompt", "x".repeat(4000)],
    ["steps", 1],
    ["steps", 100],
    ["guidance_scale", 0],
    ["guidance_scale", 30],
    ["upsample", true],
  ])("accepts %s at its bound (%j)", (field, value) => {
    expect(ok({ [field]: value })).toBe(true);
  });

  it.each([
    ["size", ["1024x1024", "1792x1024", "1024x1792"], "512x512"],
    ["quality", ["standard", "hd"], "high"],
    ["style", ["vivid", "natural"], "anime"],
    ["response_format", ["url", "b64_json"], "base64"],
    ["decoder", ["vae", "consistency"], "gan"],
    ["output_format", ["png", "jpeg", "webp"], "gif"],
  ])("%s accepts %j only", (field, values, bad) => {
    for (const value of values) expect(ok({ [field]: value })).toBe(true);
    expect(ok({ [field]: bad })).toBe(false);
  });

  it("requires a prompt", () => {
    expect(ImageGenerationRequest.safeParse({}).success).toBe(false);
  });

  it("rejects unknown and gpt-image fields", () => {
    expect(ok({ foo: 1 })).toBe(false);
    expect(ok({ background: "transparent" })).toBe(false);
  });
});

describe("ImageGenerationResponse", () => {
  it("parses OpenAI's minimal response", () => {
    const body = {
      created: 1_700_000_000,
      data: [{ url: "https://x/y.png", revised_prompt: "r" }],
    };
    expect(ImageGenerationResponse.parse(body)).toEqual(body);
  });

  it("parses Limner metadata", () => {
    const body = {
      created: 1_700_000_000,
      data: [{ b64_json: "iVBORw0KGgo=" }],
      limner: {
        seed: 7,
        model: "limner-mini",
        native_size: "224x128",
        timings_ms: { denoise: 120.5, decode: 8 },
      },
    };
    expect(ImageGenerationResponse.parse(body)).toEqual(body);
    const { timings_ms: _timings, ...withoutTimings } = body.limner;
    expect(ImageGenerationResponse.safeParse({ ...body, limner: withoutTimings }).success).toBe(
      true,
    );
  });

  it("rejects malformed responses", () => {
    expect(ImageGenerationResponse.safeParse({ created: 1.5, data: [] }).success).toBe(false);
    expect(ImageGenerationResponse.safeParse({ data: [] }).success).toBe(false);
    expect(
      ImageGenerationResponse.safeParse({
        created: 1,
        data: [],
        limner: { seed: 1, model: "m", native_size: "big" },
      }).success,
    ).toBe(false);
    expect(ImageData.safeParse({ url: 5 }).success).toBe(false);
  });
});

describe("types", () => {
  it("input: prompt required, defaulted fields optional", () => {
    expectTypeOf<ImageGenerationRequestInput["prompt"]>().toEqualTypeOf<string>();
    expectTypeOf<ImageGenerationRequestInput>().toHaveProperty("size");
    expectTypeOf<{ prompt: string }>().toExtend<ImageGenerationRequestInput>();
    expectTypeOf<{ size: "1024x1024" }>().not.toExtend<ImageGenerationRequestInput>();
    // @ts-expect-error prompt is required
    const missing: ImageGenerationRequestInput = { size: "1024x1024" };
    expect(missing).toBeDefined();
    // @ts-expect-error size must be a dall-e-3 size
    const badSize: ImageGenerationRequestInput = { prompt: "p", size: "512x512" };
    expect(badSize).toBeDefined();
  });

  it("output: defaults are filled in", () => {
    expectTypeOf<ImageGenerationRequest["size"]>().toEqualTypeOf<ImageSize>();
    expectTypeOf<ImageGenerationRequest["n"]>().toEqualTypeOf<number>();
    expectTypeOf<ImageGenerationRequest["model"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ImageGenerationRequest["stream"]>().toEqualTypeOf<boolean>();
    expectTypeOf<ImageGenerationRequest["quality"]>().toEqualTypeOf<"standard" | "hd">();
    expectTypeOf<ImageGenerationRequest["seed"]>().toEqualTypeOf<number | undefined>();
  });

  it("response data carries an optional revised_prompt", () => {
    type Item = ImageGenerationResponse["data"][number];
    expectTypeOf<Item>().toHaveProperty("revised_prompt");
    expectTypeOf<Item["revised_prompt"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<{ url: string }>().toExtend<Item>();
  });
});
