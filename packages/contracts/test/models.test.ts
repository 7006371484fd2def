import { describe, expect, expectTypeOf, it } from "vitest";
import { capabilitiesOf, Model, ModelList, ModelManifest, RuntimeModel } from "../src/index";

const manifest = {
  id: "limner-mini",
  version: "0.1.0",
  description: "shapes-world model family",
  tokenizer: "tokenizer.json",
  buckets: [{ name: "square", width: 128, height: 128 }],
  latent: { channels: 4, scale: 0.18215 },
  components: {
    captioner_short: { kind: "captioner-short", file: "captioner-short.onnx" },
    captioner_descriptive: { kind: "captioner-descriptive", file: "captioner-descriptive.onnx" },
    vae_decoder: { kind: "vae-decoder", file: "vae-decoder.onnx", scaling: 8 },
    text_encoder: { kind: "text-encoder", file: "text-encoder.onnx" },
    unet: { kind: "denoiser", file: "unet.onnx", scheduler: { name: "euler" } },
    upsampler: { kind: "upsampler", file: "upsampler.onnx" },
    judge: { kind: "judge" },
  },
};

describe("Model / ModelList", () => {
  it("parses OpenAI's list format with optional capabilities", () => {
    const list = {
      object: "list",
      data: [
        { id: "limner-mini", object: "model", created: 1_700_000_000, owned_by: "limner" },
        {
          id: "other",
          object: "model",
          created: 0,
          owned_by: "community",
          capabilities: ["generate"],
        },
      ],
    };
    expect(ModelList.parse(list)).toEqual(list);
  });

  it.each([
    { object: "models" },
    { created: 1.5 },
    { owned_by: undefined },
    { capabilities: "generate" },
  ])("rejects a model with %j", (patch) => {
    const model = { id: "m", object: "model", created: 0, owned_by: "o", ...patch };
    expect(Model.safeParse(model).success).toBe(false);
  });

  it("rejects a list without object: list", () => {
    expect(ModelList.safeParse({ object: "page", data: [] }).success).toBe(false);
  });
});

describe("ModelManifest", () => {
  it("keeps extra fields on the manifest and its components", () => {
    const parsed = ModelManifest.parse(manifest);
    expect(parsed).toEqual(manifest);
    expect(parsed.components.unet?.scheduler).toEqual({ name: "euler" });
  });

  it("accepts a minimal manifest", () => {
    const minimal = { id: "tiny", version: "1", description: "", components: {} };
    expect(ModelManifest.parse(minimal)).toEqual(minimal);
  });

  it.each([
    { id: "Limner Mini" },
    { id: "-mini" },
    { version: "" },
    { description: undefined },
    { buckets: [] },
    { buckets: [{ name: "odd", width: 100, height: 100 }] },
    { components: { unet: { file: "unet.onnx" } } },
    { components: { unet: { kind: "" } } },
    { components: undefined },
  ])("rejects %j", (patch) => {
    expect(ModelManifest.safeParse({ ...manifest, ...patch }).success).toBe(false);
  });
});

describe("capabilitiesOf", () => {
  it("derives every capability of the full family in a fixed order", () => {
    expect(capabilitiesOf(ModelManifest.parse(manifest))).toEqual([
      "generate",
      "caption",
      "upsample",
      "score",
    ]);
  });

  it.each([
    ["denoiser", ["generate"]],
    ["unet", ["generate"]],
    ["captioner", ["caption"]],
    ["captioner-short", ["caption"]],
    ["upsampler", ["upsample"]],
    ["judge", ["score"]],
    ["vae-decoder", []],
    ["text-encoder", []],
  ])("kind %s gives %j", (kind, expected) => {
    expect(capabilitiesOf({ components: { c: { kind } } })).toEqual(expected);
  });

  it("reports a capability once", () => {
    const components = { a: { kind: "unet" }, b: { kind: "denoiser" } };
    expect(capabilitiesOf({ components })).toEqual(["generate"]);
  });
});

describe("RuntimeModel", () => {
  it("parses what a runtime reports", () => {
    const model = {
      id: "limner-mini",
      version: "0.1.0",
      description: "d",
      capabilities: ["generate"],
      buckets: [{ name: "square", width: 128, height: 128 }],
      created: 1_764_000_000,
    };
    expect(RuntimeModel.parse(model)).toEqual(model);
    expect(RuntimeModel.safeParse({ ...model, buckets: undefined }).success).toBe(false);
    expect(RuntimeModel.safeParse({ ...model, created: -1 }).success).toBe(false);
  });

  it("types", () => {
    expectTypeOf<Model["object"]>().toEqualTypeOf<"model">();
    expectTypeOf<Model["capabilities"]>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<ModelManifest["components"][string]["kind"]>().toEqualTypeOf<string>();
    expectTypeOf(capabilitiesOf).returns.toEqualTypeOf<string[]>();
  });
});
