import { describe, expect, expectTypeOf, it } from "vitest";
import {
  bucketForSize,
  type ErrorCode,
  GPT_IMAGE_MODEL_ALIASES,
  type GptImageGenerationRequest,
  IMAGE_MODEL_ALIASES,
  ImageCompletedEvent,
  ImageGenerationResponse,
  ImagePartialImageEvent,
  imageModelFamily,
  isGptImageRequest,
  type ParseResult,
  parseImageGenerationRequest,
  resolveGptImageSize,
} from "../src/index";

const gpt = (body: Record<string, unknown> = {}) =>
  parseImageGenerationRequest({ model: "gpt-image-1", prompt: "a red square", ...body });
const dalle = (body: Record<string, unknown> = {}) =>
  parseImageGenerationRequest({ model: "dall-e-3", prompt: "a red square", ...body });

function expectRefusal(result: ParseResult<unknown>, code: ErrorCode, param: string) {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.status).toBe(400);
  expect(result.error.error).toMatchObject({ code, param, type: "invalid_request_error" });
  expect(result.error.error.message).toContain(param);
}

describe("model families", () => {
  it("puts gpt-image-1 and its family on the gpt-image surface, everything else on dall-e-3's", () => {
    for (const id of ["gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2"]) {
      expect(GPT_IMAGE_MODEL_ALIASES).toContain(id);
    }
    for (const alias of GPT_IMAGE_MODEL_ALIASES) {
      expect(imageModelFamily(alias)).toBe("gpt-image");
      expect(IMAGE_MODEL_ALIASES).toContain(alias);
    }
    expect(imageModelFamily("dall-e-3")).toBe("dall-e");
    expect(imageModelFamily(undefined)).toBe("dall-e");
    expect(imageModelFamily("limner-mini")).toBe("dall-e");
  });
});

describe("parseImageGenerationRequest on the gpt-image surface", () => {
  it("fills gpt-image's defaults", () => {
    const result = gpt();
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(isGptImageRequest(result.data)).toBe(true);
    expect(result.data).toEqual({
      model: "gpt-image-1",
      prompt: "a red square",
      n: 1,
      size: "auto",
      quality: "auto",
      background: "auto",
      moderation: "auto",
      output_format: "png",
      partial_images: 0,
      stream: false,
    });
  });

  it("accepts every gpt-image size, quality, format and the accepted background values", () => {
    for (const size of ["auto", "1024x1024", "1536x1024", "1024x1536"]) {
      expect(gpt({ size }).ok).toBe(true);
    }
    for (const quality of ["low", "medium", "high", "auto"]) {
      expect(gpt({ quality }).ok).toBe(true);
    }
    for (const background of ["opaque", "auto"]) expect(gpt({ background }).ok).toBe(true);
    for (const moderation of ["low", "auto"]) expect(gpt({ moderation }).ok).toBe(true);
    expect(gpt({ output_format: "webp", output_compression: 0 }).ok).toBe(true);
    expect(gpt({ output_format: "jpeg", output_compression: 100 }).ok).toBe(true);
    expect(gpt({ stream: true, partial_images: 3, seed: 7, steps: 4 }).ok).toBe(true);
  });

  it("refuses dall-e-3's values and fields by name", () => {
    expectRefusal(gpt({ size: "1792x1024" }), "invalid_value", "size");
    expectRefusal(gpt({ quality: "hd" }), "invalid_value", "quality");
    expectRefusal(gpt({ response_format: "b64_json" }), "unsupported_parameter", "response_format");
    expectRefusal(gpt({ style: "vivid" }), "unsupported_parameter", "style");
    expectRefusal(gpt({ svg: { model: "x" } }), "unsupported_parameter", "svg");
    expectRefusal(gpt({ output_format: "gif" }), "invalid_value", "output_format");
  });

  it("refuses a transparent background and compression of a PNG by name", () => {
    expectRefusal(gpt({ background: "transparent" }), "unsupported_parameter", "background");
    expectRefusal(gpt({ output_compression: 50 }), "unsupported_parameter", "output_compression");
    expectRefusal(
      gpt({ output_format: "jpeg", output_compression: 101 }),
      "invalid_value",
      "output_compression",
    );
    expectRefusal(gpt({ partial_images: 4 }), "invalid_value", "partial_images");
    expectRefusal(gpt({ moderation: "high" }), "invalid_value", "moderation");
  });

  it("resolves auto to the square size, and gpt-image sizes to the nearest bucket", () => {
    expect(resolveGptImageSize("auto")).toBe("1024x1024");
    expect(bucketForSize("1536x1024").name).toBe("landscape");
    expect(bucketForSize("1024x1536").name).toBe("portrait");
    expect(bucketForSize(resolveGptImageSize("auto")).name).toBe("square");
  });

  it("types the parsed request", () => {
    expectTypeOf<GptImageGenerationRequest["quality"]>().toEqualTypeOf<
      "low" | "medium" | "high" | "auto"
    >();
    expectTypeOf<GptImageGenerationRequest>().not.toHaveProperty("response_format");
  });
});

describe("parseImageGenerationRequest on the dall-e-3 surface", () => {
  it("keeps dall-e-3's fields and refuses gpt-image's by name", () => {
    const result = dalle({ quality: "hd", size: "1792x1024", style: "natural" });
    expect(result.ok).toBe(true);
    if (result.ok) expect(isGptImageRequest(result.data)).toBe(false);
    expect(parseImageGenerationRequest({ prompt: "p", response_format: "b64_json" }).ok).toBe(true);
    for (const field of ["background", "moderation", "output_compression", "partial_images"]) {
      const refused = dalle({ [field]: "auto" });
      expectRefusal(refused, "unsupported_parameter", field);
      if (!refused.ok) expect(refused.error.error.message).toContain("gpt-image-1");
    }
    expectRefusal(dalle({ size: "1536x1024" }), "invalid_value", "size");
    expectRefusal(dalle({ quality: "low" }), "invalid_value", "quality");
  });

  it("answers a body that is not an object as before", () => {
    const result = parseImageGenerationRequest([]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.error.code).toBe("invalid_request");
  });
});

describe("gpt-image responses and events", () => {
  it("carry OpenAI's usage and settings", () => {
    const usage = {
      input_tokens: 9,
      input_tokens_details: { text_tokens: 9, image_tokens: 0 },
      output_tokens: 256,
      total_tokens: 265,
    };
    expect(
      ImageGenerationResponse.safeParse({
        created: 1,
        data: [{ b64_json: "x" }],
        background: "opaque",
        output_format: "png",
        quality: "low",
        size: "1536x1024",
        usage,
      }).success,
    ).toBe(true);
    const fields = {
      b64_json: "x",
      created_at: 1,
      size: "auto",
      quality: "low",
      background: "auto",
      output_format: "webp",
    };
    expect(
      ImagePartialImageEvent.safeParse({
        type: "image_generation.partial_image",
        partial_image_index: 0,
        ...fields,
      }).success,
    ).toBe(true);
    expect(
      ImageCompletedEvent.safeParse({ type: "image_generation.completed", usage, ...fields })
        .success,
    ).toBe(true);
  });
});
