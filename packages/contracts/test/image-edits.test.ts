import { describe, expect, it } from "vitest";
import {
  capabilitiesOf,
  EditInput,
  EditResult,
  ImageEditRequest,
  ImageEditStreamEvent,
  ImageVariationRequest,
  parseRequestBody,
  UNSUPPORTED_EDIT_FIELDS,
  UNSUPPORTED_VARIATION_FIELDS,
} from "../src/index";

describe("ImageEditRequest (multipart text fields)", () => {
  it("fills OpenAI's defaults", () => {
    expect(ImageEditRequest.parse({ prompt: "a blue square" })).toEqual({
      prompt: "a blue square",
      n: 1,
      size: "auto",
      response_format: "url",
      stream: false,
      partial_images: 0,
      quality: "auto",
      background: "auto",
      output_format: "png",
    });
  });

  it("coerces numbers and booleans written as form text", () => {
    const parsed = ImageEditRequest.parse({
      prompt: "x",
      n: "2",
      stream: "true",
      partial_images: "3",
      seed: "42",
      strength: "0.35",
      steps: "12",
      guidance_scale: "4.5",
      output_compression: "80",
      input_fidelity: "high",
      size: "1536x1024",
    });
    expect(parsed).toMatchObject({
      n: 2,
      stream: true,
      partial_images: 3,
      seed: 42,
      strength: 0.35,
      steps: 12,
      guidance_scale: 4.5,
      output_compression: 80,
      input_fidelity: "high",
      size: "1536x1024",
    });
  });

  it.each([
    [{}, "missing_required_parameter", "prompt"],
    [{ prompt: "x", n: "five" }, "invalid_value", "n"],
    [{ prompt: "x", n: "5" }, "invalid_value", "n"],
    [{ prompt: "x", strength: "1.5" }, "invalid_value", "strength"],
    [{ prompt: "x", stream: "yes" }, "invalid_value", "stream"],
    [{ prompt: "x", partial_images: "4" }, "invalid_value", "partial_images"],
    [{ prompt: "x", background: "transparent" }, "invalid_value", "background"],
    [{ prompt: "x", size: "1792x1024" }, "invalid_value", "size"],
    [{ prompt: "x", promt: "typo" }, "unknown_parameter", "promt"],
    [{ prompt: "x", moderation: "low" }, "unsupported_parameter", "moderation"],
  ])("refuses %j as %s on %s", (body, code, param) => {
    const result = parseRequestBody(ImageEditRequest, body, {
      unsupported: UNSUPPORTED_EDIT_FIELDS,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(400);
    expect(result.error.error).toMatchObject({ code, param });
  });
});

describe("ImageVariationRequest", () => {
  it("takes no prompt, mask or stream, naming each", () => {
    for (const field of ["prompt", "mask", "stream"]) {
      const result = parseRequestBody(
        ImageVariationRequest,
        { [field]: "x" },
        { unsupported: UNSUPPORTED_VARIATION_FIELDS },
      );
      expect(result.ok ? null : result.error.error).toMatchObject({
        code: "unsupported_parameter",
        param: field,
      });
    }
  });

  it("accepts OpenAI's fields and Limner's extensions", () => {
    expect(
      ImageVariationRequest.parse({
        n: "3",
        size: "512x512",
        response_format: "b64_json",
        strength: "0.5",
      }),
    ).toMatchObject({ n: 3, size: "512x512", response_format: "b64_json", strength: 0.5 });
  });
});

describe("EditInput / EditResult (runtime procedure)", () => {
  it("defaults an edit and leaves the strength to the runtime", () => {
    const input = EditInput.parse({ requestId: "r", model: "m", image: "aGk=" });
    expect(input).toMatchObject({ n: 1, references: [], negativePrompt: "", quality: "standard" });
    expect(input.strength).toBeUndefined();
    expect(input.prompt).toBeUndefined();
  });

  it("refuses unknown fields and too many references", () => {
    expect(EditInput.safeParse({ requestId: "r", model: "m", image: "a", x: 1 }).success).toBe(
      false,
    );
    const references = Array.from({ length: 16 }, () => "aGk=");
    expect(
      EditInput.safeParse({ requestId: "r", model: "m", image: "a", references }).success,
    ).toBe(false);
  });

  it("extends the generate result with the prompt used, strength and steps run", () => {
    const result = {
      model: "m",
      images: [{ b64: "aGk=", mimeType: "image/png", width: 8, height: 8, seed: 1, index: 0 }],
      bucket: "square",
      nativeWidth: 8,
      nativeHeight: 8,
      steps: 10,
      guidanceScale: 5,
      decoder: "vae",
      scheduler: "euler",
      timingsMs: {},
      usage: { textTokens: 3, latentTokens: 1 },
      prompt: "a red circle",
      strength: 0.7,
      stepsRun: 7,
    };
    expect(EditResult.parse(result)).toEqual(result);
  });
});

describe("ImageEditStreamEvent", () => {
  it("parses OpenAI's edit events and Limner's progress", () => {
    const fields = {
      b64_json: "aGk=",
      created_at: 1,
      size: "auto",
      quality: "auto",
      background: "opaque",
      output_format: "png",
    };
    expect(
      ImageEditStreamEvent.parse({
        type: "image_edit.partial_image",
        partial_image_index: 0,
        ...fields,
      }).type,
    ).toBe("image_edit.partial_image");
    expect(ImageEditStreamEvent.parse({ type: "image_edit.completed", ...fields }).type).toBe(
      "image_edit.completed",
    );
    expect(
      ImageEditStreamEvent.parse({ type: "limner.progress", step: 1, total_steps: 2 }).type,
    ).toBe("limner.progress");
  });
});

describe("capabilitiesOf: edit", () => {
  it("needs both a denoiser and a VAE encoder", () => {
    expect(
      capabilitiesOf({ components: { d: { kind: "denoiser" }, e: { kind: "vae-encoder" } } }),
    ).toEqual(["generate", "edit"]);
    expect(capabilitiesOf({ components: { e: { kind: "vae-encoder" } } })).toEqual([]);
    expect(capabilitiesOf({ components: { d: { kind: "denoiser" } } })).toEqual(["generate"]);
  });
});
