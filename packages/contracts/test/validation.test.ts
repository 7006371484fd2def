import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  CaptionRequest,
  type ErrorCode,
  ImageGenerationRequest,
  ModelManifest,
  type ParseResult,
  parseRequestBody,
  UNSUPPORTED_IMAGE_FIELDS,
} from "../src/index";

const image = (body: unknown) =>
  parseRequestBody(ImageGenerationRequest, body, { unsupported: UNSUPPORTED_IMAGE_FIELDS });

function expectError(
  result: ParseResult<unknown>,
  code: ErrorCode,
  param: string | null,
  status = 400,
) {
  expect(result.ok).toBe(false);
  if (result.ok) return "";
  expect(result.status).toBe(status);
  expect(result.error.error.code).toBe(code);
  expect(result.error.error.param).toBe(param);
  expect(result.error.error.type).toBe("invalid_request_error");
  return result.error.error.message;
}

describe("parseRequestBody", () => {
  it("returns the parsed data with defaults", () => {
    const result = image({ prompt: "a red square" });
    expect(result).toEqual({
      ok: true,
      data: ImageGenerationRequest.parse({ prompt: "a red square" }),
    });
    if (result.ok) expectTypeOf(result.data).toEqualTypeOf<ImageGenerationRequest>();
  });

  it.each([null, [], "prompt", 42, true, undefined])("rejects a non-object body (%j)", (body) => {
    const message = expectError(image(body), "invalid_request", null);
    expect(message).toContain("expected a JSON object");
  });

  it.each(Object.keys(UNSUPPORTED_IMAGE_FIELDS))("rejects the unsupported field %s", (field) => {
    const message = expectError(
      image({ prompt: "p", [field]: "x" }),
      "unsupported_parameter",
      field,
    );
    expect(message).toContain(`'${field}'`);
    expect(message).toContain(
      UNSUPPORTED_IMAGE_FIELDS[field as keyof typeof UNSUPPORTED_IMAGE_FIELDS],
    );
  });

  it("checks unsupported fields before the schema", () => {
    expectError(image({ background: "transparent" }), "unsupported_parameter", "background");
  });

  it("treats unsupported fields as unknown when no list is given", () => {
    expectError(
      parseRequestBody(ImageGenerationRequest, { prompt: "p", background: "auto" }),
      "unknown_parameter",
      "background",
    );
  });

  it("reports an unknown field in OpenAI's words", () => {
    const message = expectError(image({ prompt: "p", foo: 1 }), "unknown_parameter", "foo");
    expect(message).toBe("Unrecognized request argument supplied: foo");
  });

  it("lists several unknown fields", () => {
    const message = expectError(image({ prompt: "p", foo: 1, bar: 2 }), "unknown_parameter", "foo");
    expect(message).toBe("Unrecognized request arguments supplied: foo, bar");
  });

  it("reports a misspelt field as unknown rather than the real one as missing", () => {
    expectError(image({ promt: "a red star" }), "unknown_parameter", "promt");
  });

  it("reports a missing field", () => {
    const message = expectError(image({}), "missing_required_parameter", "prompt");
    expect(message).toBe("Missing required parameter: 'prompt'.");
  });

  it("reports only the first issue", () => {
    expectError(image({ n: 9 }), "missing_required_parameter", "prompt");
    expectError(image({ prompt: "p", n: 9, size: "1x1" }), "invalid_value", "n");
  });

  it("reports a too-long prompt as string_above_max_length", () => {
    const message = expectError(
      image({ prompt: "x".repeat(4001) }),
      "string_above_max_length",
      "prompt",
    );
    expect(message).toBe(
      "Invalid 'prompt': string too long. Expected a string with maximum length 4000, but got a string with length 4001 instead.",
    );
    expectError(image({ prompt: "p", user: "u".repeat(257) }), "string_above_max_length", "user");
    expectError(
      image({ prompt: "p", negative_prompt: "x".repeat(4001) }),
      "string_above_max_length",
      "negative_prompt",
    );
  });

  it("reports a bad enum value with the allowed values", () => {
    const message = expectError(image({ prompt: "p", size: "512x512" }), "invalid_value", "size");
    expect(message).toBe(
      "Invalid value for 'size': '512x512'. Supported values are: '1024x1024', '1792x1024', and '1024x1792'.",
    );
    const quality = expectError(
      image({ prompt: "p", quality: "high" }),
      "invalid_value",
      "quality",
    );
    expect(quality).toContain("'standard' and 'hd'");
  });

  it("reports a wrong type as invalid_value", () => {
    const message = expectError(image({ prompt: "p", n: "2" }), "invalid_value", "n");
    expect(message).toBe("Invalid type for 'n': expected a number, but got a string instead.");
    const decimal = expectError(image({ prompt: "p", n: 1.5 }), "invalid_value", "n");
    expect(decimal).toBe("Invalid type for 'n': expected an integer, but got a decimal instead.");
    expectError(image({ prompt: null }), "invalid_value", "prompt");
  });

  it("reports numbers out of range as invalid_value", () => {
    const above = expectError(image({ prompt: "p", n: 5 }), "invalid_value", "n");
    expect(above).toBe(
      "Invalid 'n': number above maximum value. Expected a value <= 4, but got 5 instead.",
    );
    const below = expectError(
      image({ prompt: "p", guidance_scale: -1 }),
      "invalid_value",
      "guidance_scale",
    );
    expect(below).toContain("Expected a value >= 0, but got -1 instead.");
  });

  it("reports an empty prompt as invalid_value", () => {
    const message = expectError(image({ prompt: "" }), "invalid_value", "prompt");
    expect(message).toBe(
      "Invalid 'prompt': string too short. Expected a string with minimum length 1, but got an empty string instead.",
    );
  });

  it("reports refinements as invalid_value", () => {
    const message = expectError(
      parseRequestBody(CaptionRequest, { image: "nope!" }),
      "invalid_value",
      "image",
    );
    expect(message).toContain("base64");
  });

  it("uses the dotted path for nested fields", () => {
    const body = { id: "m", version: "1", description: "", components: { unet: { file: "u" } } };
    const message = expectError(
      parseRequestBody(ModelManifest, body),
      "missing_required_parameter",
      "components.unet.kind",
    );
    expect(message).toBe("Missing required parameter: 'components.unet.kind'.");
    const nested = z.strictObject({
      a: z.strictObject({ b: z.array(z.strictObject({ c: z.int() })) }),
    });
    expectError(
      parseRequestBody(nested, { a: { b: [{ c: 1 }, { c: "x" }] } }),
      "invalid_value",
      "a.b[1].c",
    );
    expectError(parseRequestBody(nested, { a: { b: [], d: 1 } }), "unknown_parameter", "a.d");
  });

  it("infers the schema's output type", () => {
    expectTypeOf(parseRequestBody(CaptionRequest, {})).toEqualTypeOf<ParseResult<CaptionRequest>>();
  });
});
