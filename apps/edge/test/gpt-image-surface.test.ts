import {
  type AnyImageGenerationRequest,
  GenerateInput,
  type GenerateResult,
  IMAGE_MODEL_ALIASES,
  parseImageGenerationRequest,
  type RuntimeModel,
} from "@limner/contracts";
import { describe, expect, it } from "vitest";
import { requestSurface, toOpenAIUsage } from "../src/generation/request-surface";
import { toOpenAIResponse, toRuntimeRequest } from "../src/generation/runtime-request";
import { modelsWithAliases } from "../src/runtime/model-aliases";

const model: RuntimeModel = {
  id: "limner-mini",
  version: "1",
  description: "d",
  capabilities: ["generate"],
  buckets: [
    { name: "square", width: 128, height: 128 },
    { name: "landscape", width: 224, height: 128 },
    { name: "portrait", width: 128, height: 224 },
  ],
  created: 1_700_000_000,
};

function parsed(body: Record<string, unknown>): AnyImageGenerationRequest {
  const result = parseImageGenerationRequest({ prompt: "a red star", ...body });
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.data;
}

const runtimeInput = (body: Record<string, unknown>, previews = 0) =>
  GenerateInput.parse(toRuntimeRequest(parsed(body), model, "a red star", "r1", 1000, previews));

const result: GenerateResult = {
  model: "limner-mini",
  images: [
    { b64: "AA==", mimeType: "image/png", width: 1536, height: 1024, seed: 9, index: 0 },
    { b64: "AA==", mimeType: "image/png", width: 1536, height: 1024, seed: 9, index: 1 },
  ],
  bucket: "landscape",
  nativeWidth: 224,
  nativeHeight: 128,
  steps: 10,
  guidanceScale: 5,
  decoder: "vae",
  scheduler: "euler",
  timingsMs: {},
  usage: { textTokens: 6, latentTokens: 2 * 28 * 16 },
};

describe("the gpt-image surface at the edge", () => {
  it("maps sizes to buckets and output sizes, auto to the square", () => {
    expect(runtimeInput({ model: "gpt-image-1", size: "1536x1024" })).toMatchObject({
      bucket: "landscape",
      outputSize: { width: 1536, height: 1024 },
    });
    expect(runtimeInput({ model: "gpt-image-1-mini", size: "1024x1536" })).toMatchObject({
      bucket: "portrait",
      outputSize: { width: 1024, height: 1536 },
    });
    expect(runtimeInput({ model: "gpt-image-1.5" })).toMatchObject({
      bucket: "square",
      outputSize: { width: 1024, height: 1024 },
      quality: "auto",
    });
  });

  it("passes quality, format, compression and the asked previews to the runtime", () => {
    expect(
      runtimeInput(
        { model: "gpt-image-1", quality: "low", output_format: "webp", output_compression: 40 },
        2,
      ),
    ).toMatchObject({ quality: "low", outputFormat: "webp", outputCompression: 40, previews: 2 });
    // dall-e-3 keeps its own quality and asks for no previews.
    const dalle = runtimeInput({ model: "dall-e-3", quality: "hd", size: "1792x1024" });
    expect(dalle).toMatchObject({ quality: "hd", bucket: "landscape", previews: false });
    expect(dalle.outputCompression).toBeUndefined();
  });

  it("always answers gpt-image in b64_json; dall-e-3 as asked", () => {
    expect(requestSurface(parsed({ model: "gpt-image-1" })).responseFormat).toBe("b64_json");
    expect(requestSurface(parsed({ model: "dall-e-3" })).responseFormat).toBe("url");
    expect(
      requestSurface(parsed({ model: "gpt-image-1", stream: true, partial_images: 3 })),
    ).toMatchObject({ partialImages: 3, background: "auto", gptImage: true });
  });

  it("adds the settings used and usage to a gpt-image response only", () => {
    const images = [{ b64_json: "AA==" }, { b64_json: "AA==" }];
    const gpt = toOpenAIResponse(
      parsed({ model: "gpt-image-1", size: "1536x1024", quality: "auto" }),
      result,
      images,
      "rp",
      5,
    );
    expect(gpt).toMatchObject({
      background: "opaque",
      output_format: "png",
      quality: "medium",
      size: "1536x1024",
      usage: {
        input_tokens: 6,
        input_tokens_details: { text_tokens: 6, image_tokens: 0 },
        output_tokens: 896,
        total_tokens: 902,
      },
    });
    expect(gpt.limner?.images).toEqual([
      { seed: 9, index: 0 },
      { seed: 9, index: 1 },
    ]);
    const dalle = toOpenAIResponse(parsed({}), result, images, "rp", 5);
    expect(dalle.usage).toBeUndefined();
    expect(dalle.size).toBeUndefined();
    expect(toOpenAIUsage({ textTokens: 0, latentTokens: 0 }).total_tokens).toBe(0);
  });
});

describe("modelsWithAliases", () => {
  it("lists every OpenAI alias as the default model under its own id", () => {
    const ids = modelsWithAliases([model], "limner-mini").map((m) => m.id);
    expect(ids).toEqual(["limner-mini", ...IMAGE_MODEL_ALIASES]);
    expect(ids).toContain("gpt-image-1");
    const alias = modelsWithAliases([model], "limner-mini").find((m) => m.id === "gpt-image-1");
    expect(alias).toEqual({
      id: "gpt-image-1",
      object: "model",
      created: model.created,
      owned_by: "limner",
      capabilities: ["generate"],
      alias_of: "limner-mini",
    });
  });

  it("lists no alias when the default model is not served", () => {
    expect(modelsWithAliases([model], "other").map((m) => m.id)).toEqual(["limner-mini"]);
  });
});
