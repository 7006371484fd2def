import { describe, expect, it } from "vitest";
import { type EdgeBindings, edgeConfig } from "../src/config";
import type { WorkersAiBinding } from "../src/upsampling/workers-ai-chat";

const SIGNING_KEY = "k".repeat(32);
const bindings = (vars: Partial<EdgeBindings>) =>
  ({
    DB: {},
    FILES: {},
    RUNTIME_URLS: "",
    FILES_SIGNING_KEY: SIGNING_KEY,
    ...vars,
  }) as unknown as EdgeBindings;

describe("edgeConfig", () => {
  it("splits and trims the runtime pool and keeps the token", () => {
    const config = edgeConfig(
      bindings({
        RUNTIME_URLS: "http://a:1/, http://b:2",
        RUNTIME_SERVICE_TOKEN: "0123456789abcdef",
      }),
    );
    expect(config).toEqual({
      runtimeUrls: ["http://a:1", "http://b:2"],
      runtimeServiceToken: "0123456789abcdef",
      devKey: undefined,
      filesSigningKey: SIGNING_KEY,
      defaultModel: "limner-mini",
      upsampling: { strategy: "model" },
      adminToken: undefined,
      defaultLimits: { requestsPerMinute: 60, imagesPerMinute: 30 },
    });
  });

  it("reads the admin token and the default limits", () => {
    const base = { RUNTIME_URLS: "http://a:1", RUNTIME_SERVICE_TOKEN: "0123456789abcdef" };
    const config = edgeConfig(
      bindings({
        ...base,
        LIMNER_ADMIN_TOKEN: "t".repeat(32),
        LIMIT_REQUESTS_PER_MINUTE: "50",
        LIMIT_IMAGES_PER_MINUTE: "5",
      }),
    );
    expect(config.adminToken).toBe("t".repeat(32));
    expect(config.defaultLimits).toEqual({ requestsPerMinute: 50, imagesPerMinute: 5 });
    expect(() =>
      edgeConfig(
        bindings({
          ...base,
          LIMNER_ADMIN_TOKEN: "short",
          LIMIT_REQUESTS_PER_MINUTE: "0",
          LIMIT_IMAGES_PER_MINUTE: "x",
        }),
      ),
    ).toThrow(/LIMNER_ADMIN_TOKEN.*LIMIT_REQUESTS_PER_MINUTE.*LIMIT_IMAGES_PER_MINUTE/);
  });

  it("names every bad variable", () => {
    expect(() =>
      edgeConfig(
        bindings({
          RUNTIME_URLS: "ftp://x",
          RUNTIME_SERVICE_TOKEN: "short",
          LIMNER_DEV_KEY: "sk-1",
        }),
      ),
    ).toThrow(/RUNTIME_URLS.*RUNTIME_SERVICE_TOKEN.*LIMNER_DEV_KEY/);
  });

  it("needs an endpoint for llm upsampling and reads its settings", () => {
    const base = { RUNTIME_URLS: "http://a:1", RUNTIME_SERVICE_TOKEN: "0123456789abcdef" };
    expect(() => edgeConfig(bindings({ ...base, UPSAMPLE_STRATEGY: "llm" }))).toThrow(
      /UPSAMPLE_STRATEGY=llm needs UPSAMPLE_LLM_URL .*or UPSAMPLE_LLM_PROVIDER=workers-ai/,
    );
    const config = edgeConfig(
      bindings({
        ...base,
        UPSAMPLE_STRATEGY: "llm",
        UPSAMPLE_LLM_URL: "http://llm:1/v1",
        UPSAMPLE_LLM_KEY: "k",
      }),
    );
    expect(config.upsampling).toEqual({
      strategy: "llm",
      provider: "openai",
      url: "http://llm:1/v1",
      apiKey: "k",
      model: "gpt-4o-mini",
    });
  });

  describe("llm upsampling through a fake Workers AI binding", () => {
    const base = {
      RUNTIME_URLS: "http://a:1",
      RUNTIME_SERVICE_TOKEN: "0123456789abcdef",
      UPSAMPLE_STRATEGY: "llm",
    };
    const AI: WorkersAiBinding = { run: async () => ({ response: "" }) };

    it("uses the binding with a Workers AI model when the provider says so", () => {
      const config = edgeConfig(bindings({ ...base, UPSAMPLE_LLM_PROVIDER: "workers-ai", AI }));
      expect(config.upsampling).toEqual({
        strategy: "llm",
        provider: "workers-ai",
        binding: AI,
        model: "@cf/meta/llama-3.1-8b-instruct",
      });
      const chosen = edgeConfig(
        bindings({
          ...base,
          UPSAMPLE_LLM_PROVIDER: "workers-ai",
          UPSAMPLE_LLM_MODEL: "@cf/mistral/mistral-7b-instruct-v0.1",
          AI,
        }),
      );
      expect(chosen.upsampling).toMatchObject({
        provider: "workers-ai",
        model: "@cf/mistral/mistral-7b-instruct-v0.1",
      });
    });

    it("keeps the OpenAI-compatible endpoint by default even with the binding bound", () => {
      const config = edgeConfig(bindings({ ...base, UPSAMPLE_LLM_URL: "http://llm:1/v1", AI }));
      expect(config.upsampling).toMatchObject({ provider: "openai", model: "gpt-4o-mini" });
      expect(() => edgeConfig(bindings({ ...base, AI }))).toThrow(/needs UPSAMPLE_LLM_URL/);
    });

    it("refuses the workers-ai provider without the binding, or with endpoint settings", () => {
      expect(() => edgeConfig(bindings({ ...base, UPSAMPLE_LLM_PROVIDER: "workers-ai" }))).toThrow(
        /UPSAMPLE_LLM_PROVIDER=workers-ai needs a Workers AI binding named AI/,
      );
      expect(() =>
        edgeConfig(
          bindings({
            ...base,
            UPSAMPLE_LLM_PROVIDER: "workers-ai",
            UPSAMPLE_LLM_URL: "http://llm:1/v1",
            AI,
          }),
        ),
      ).toThrow(/UPSAMPLE_LLM_URL and UPSAMPLE_LLM_KEY are for UPSAMPLE_LLM_PROVIDER=openai/);
      expect(() =>
        edgeConfig(
          bindings({ ...base, UPSAMPLE_LLM_PROVIDER: "workers-ai", UPSAMPLE_LLM_KEY: "k", AI }),
        ),
      ).toThrow(/UPSAMPLE_LLM_URL and UPSAMPLE_LLM_KEY/);
    });

    it("names an unknown provider and an AI value that is not a binding", () => {
      expect(() =>
        edgeConfig(
          bindings({
            ...base,
            UPSAMPLE_LLM_PROVIDER: "anthropic",
            AI: "x" as unknown as WorkersAiBinding,
          }),
        ),
      ).toThrow(/UPSAMPLE_LLM_PROVIDER.*AI: must be a Workers AI binding/);
    });
  });

  it("validates once per bindings object", () => {
    const env = bindings({ RUNTIME_URLS: "http://a:1", RUNTIME_SERVICE_TOKEN: "0123456789abcdef" });
    expect(edgeConfig(env)).toBe(edgeConfig(env));
  });
});
