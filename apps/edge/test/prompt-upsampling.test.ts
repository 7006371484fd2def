/**
 * The deployment's configured strategy, from the wrangler vars to the revised prompt, with a
 * fake Workers AI binding standing in for Cloudflare's hosted models. The model below has no
 * learned upsampler, so falling back to `model` never reaches a runtime and the pool is only
 * constructed, never called.
 */
import type { RuntimeModel } from "@limner/contracts";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type EdgeBindings, edgeConfig } from "../src/config";
import { RuntimePool } from "../src/runtime/runtime-pool";
import { upsamplePrompt } from "../src/upsampling/prompt-upsampling";
import type { WorkersAiBinding } from "../src/upsampling/workers-ai-chat";

const CAPTION =
  "A picture with a white background and two objects. A large red star with no pattern sits at the top left, and a small blue circle with stripes sits at the bottom right.";

const MODEL: RuntimeModel = {
  id: "no-upsampler",
  version: "1",
  description: "a model without a learned upsampler",
  capabilities: ["generate"],
  buckets: [],
  created: 0,
};

const runtimes = new RuntimePool({ urls: ["http://127.0.0.1:9"], serviceToken: "t".repeat(16) });

function configWith(AI: WorkersAiBinding) {
  const env = {
    DB: {},
    FILES: {},
    RUNTIME_URLS: "http://127.0.0.1:9",
    RUNTIME_SERVICE_TOKEN: "0123456789abcdef",
    FILES_SIGNING_KEY: "k".repeat(32),
    UPSAMPLE_STRATEGY: "llm",
    UPSAMPLE_LLM_PROVIDER: "workers-ai",
    AI,
  } as unknown as EdgeBindings;
  return edgeConfig(env).upsampling;
}

const request = (requested?: boolean) => ({
  prompt: "a red star",
  style: "vivid" as const,
  requested,
  model: MODEL,
  requestId: "req_test",
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("upsamplePrompt with llm upsampling on a fake Workers AI binding", () => {
  it("returns the fake Workers AI binding's caption as the revised prompt", async () => {
    const models: string[] = [];
    const AI: WorkersAiBinding = {
      run: async (model) => {
        models.push(model);
        return { response: CAPTION };
      },
    };
    expect(await upsamplePrompt(request(), configWith(AI), runtimes)).toEqual({
      revisedPrompt: CAPTION,
      strategy: "llm",
    });
    expect(models).toEqual(["@cf/meta/llama-3.1-8b-instruct"]);
  });

  it("falls back to the model's upsampler, and logs why, when the fake Workers AI binding fails", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const AI: WorkersAiBinding = { run: async () => ({ response: "too short" }) };
    expect(await upsamplePrompt(request(), configWith(AI), runtimes)).toEqual({
      revisedPrompt: "a red star",
      strategy: "off",
    });
    expect(warn).toHaveBeenCalledOnce();
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /req_test.*llm upsampling failed, using model: upsampled caption has 2 words/,
    );
  });

  it("never calls the fake Workers AI binding for a request with upsample: false", async () => {
    const run = vi.fn(async () => ({ response: CAPTION }));
    expect(await upsamplePrompt(request(false), configWith({ run }), runtimes)).toEqual({
      revisedPrompt: "a red star",
      strategy: "off",
    });
    expect(run).not.toHaveBeenCalled();
  });
});
