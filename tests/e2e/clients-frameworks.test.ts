/**
 * The client matrix's framework rows, unmodified packages from npm with only the base URL and key
 * changed: the Vercel AI SDK's `generateImage` with the `@ai-sdk/openai` and
 * `@ai-sdk/openai-compatible` providers, and LangChain's `DallEAPIWrapper`.
 *
 * Neither AI SDK provider sends `generateImage`'s `seed` (both warn "unsupported: seed"), and
 * `@ai-sdk/openai` forwards only OpenAI's own fields. The two recipes below are the documented
 * ways to reach Limner's extensions (docs/clients.md); the tests prove the seed arrives by its
 * effect: the same seed gives the same bytes, another seed other bytes.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { DallEAPIWrapper } from "@langchain/openai";
import { generateImage, type ImageModelMiddleware, RetryError, wrapImageModel } from "ai";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintKeyWithLimits } from "./admin-keys";
import { startTestStack, type TestStack } from "./test-stack";

/** Per test: a generation and its download can take minutes on two busy cores. */
const SLOW_MACHINE_MS = 240_000;

let stack: TestStack;
const baseURL = () => `${stack.edgeUrl}/v1`;

beforeAll(async () => {
  stack = await startTestStack(["tiny-limner"], {
    edgeVars: {
      LIMNER_DEFAULT_MODEL: "tiny-limner",
      LIMIT_REQUESTS_PER_MINUTE: "1000",
      LIMIT_IMAGES_PER_MINUTE: "1000",
    },
  });
});

afterAll(async () => {
  await stack?.stop();
});

async function formatAndSize(bytes: Uint8Array): Promise<[string | undefined, number?, number?]> {
  const meta = await sharp(bytes).metadata();
  return [meta.format, meta.width, meta.height];
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/**
 * Recipe 1 (`@ai-sdk/openai-compatible`): `generateImage`'s own `seed` moved into
 * `providerOptions.limner`, which that provider spreads into the request body.
 */
const seedIntoLimnerOptions: ImageModelMiddleware = {
  specificationVersion: "v4",
  transformParams: async ({ params }) => {
    if (params.seed === undefined) return params;
    const limner = { ...params.providerOptions?.limner, seed: params.seed };
    return { ...params, seed: undefined, providerOptions: { ...params.providerOptions, limner } };
  },
};

/**
 * Recipe 2 (`@ai-sdk/openai`): a `fetch` that merges the JSON of an `x-limner-options` request
 * header into the body, so Limner's fields travel through a provider that forwards only OpenAI's.
 */
const limnerFetch: typeof fetch = async (input, init) => {
  const headers = new Headers(init?.headers);
  const options = headers.get("x-limner-options");
  if (options === null || typeof init?.body !== "string") return fetch(input, init);
  headers.delete("x-limner-options");
  const body = JSON.stringify({ ...JSON.parse(init.body), ...JSON.parse(options) });
  return fetch(input, { ...init, headers, body });
};

describe("AI SDK: @ai-sdk/openai", { timeout: SLOW_MACHINE_MS }, () => {
  it("generates with dall-e-3 and returns the revised prompt", async () => {
    const openai = createOpenAI({ baseURL: baseURL(), apiKey: stack.apiKey });
    const result = await generateImage({
      model: openai.image("dall-e-3"),
      prompt: "a red star above a blue circle",
      size: "1792x1024",
    });
    expect(await formatAndSize(result.image.uint8Array)).toEqual(["png", 1792, 1024]);
    const images = result.providerMetadata.openai?.images as { revisedPrompt?: string }[];
    expect(images[0]?.revisedPrompt?.length).toBeGreaterThan(0);
  });

  it("passes gpt-image-1's options (providerOptions.openai)", async () => {
    const openai = createOpenAI({ baseURL: baseURL(), apiKey: stack.apiKey });
    const result = await generateImage({
      model: openai.image("gpt-image-1"),
      prompt: "a yellow square",
      size: "1536x1024",
      providerOptions: { openai: { quality: "low", outputFormat: "jpeg" } },
    });
    expect(await formatAndSize(result.image.uint8Array)).toEqual(["jpeg", 1536, 1024]);
  });

  it("reaches Limner's seed through the fetch recipe", async () => {
    const openai = createOpenAI({ baseURL: baseURL(), apiKey: stack.apiKey, fetch: limnerFetch });
    const generate = async (seed: number) => {
      const result = await generateImage({
        model: openai.image("dall-e-3"),
        prompt: "a green triangle",
        headers: { "x-limner-options": JSON.stringify({ seed, upsample: false, steps: 4 }) },
      });
      return hex(result.image.uint8Array);
    };
    const [first, again, other] = [await generate(7), await generate(7), await generate(8)];
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });
});

describe("AI SDK: @ai-sdk/openai-compatible", { timeout: SLOW_MACHINE_MS }, () => {
  const provider = () =>
    createOpenAICompatible({ name: "limner", baseURL: baseURL(), apiKey: stack.apiKey });

  it("passes seed and Limner's options in providerOptions.limner", async () => {
    const generate = async (seed: number, extra: Record<string, string> = {}) => {
      const result = await generateImage({
        model: provider().imageModel("dall-e-3"),
        prompt: "a blue diamond",
        size: "1024x1024",
        providerOptions: { limner: { seed, upsample: false, steps: 4, ...extra } },
      });
      expect(await formatAndSize(result.image.uint8Array)).toEqual(["png", 1024, 1024]);
      return hex(result.image.uint8Array);
    };
    // The default answer is a signed URL, which the provider downloads from the same origin.
    const viaUrl = await generate(42);
    const inline = await generate(42, { response_format: "b64_json" });
    const other = await generate(43, { response_format: "b64_json" });
    expect(inline).toBe(viaUrl);
    expect(other).not.toBe(inline);
  });

  it("takes generateImage's own seed through the middleware recipe", async () => {
    const model = wrapImageModel({
      model: provider().imageModel("dall-e-3"),
      middleware: seedIntoLimnerOptions,
    });
    const generate = async (seed: number) => {
      const result = await generateImage({
        model,
        prompt: "a purple cross",
        seed,
        providerOptions: { limner: { upsample: false, steps: 4, response_format: "b64_json" } },
      });
      expect(result.warnings).toEqual([]);
      return hex(result.image.uint8Array);
    };
    const [first, again, other] = [await generate(5), await generate(5), await generate(6)];
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });
  it("retries by status alone: a request that can never pass is sent three times", async () => {
    // docs/clients.md records this: the AI SDK ignores `x-should-retry: false` (openai-node
    // obeys it), so its default two retries are spent on a 429 that cannot pass.
    const key = await mintKeyWithLimits(stack, { images_per_minute: 2 });
    const statuses: number[] = [];
    const limner = createOpenAICompatible({
      name: "limner",
      baseURL: baseURL(),
      apiKey: key,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        statuses.push(response.status);
        return response;
      },
    });
    const error = await generateImage({
      model: limner.imageModel("dall-e-3"),
      prompt: "three red squares",
      n: 3,
    }).catch((e: unknown) => e);
    expect(RetryError.isInstance(error)).toBe(true);
    expect(statuses).toEqual([429, 429, 429]);
  });
});

describe("LangChain: DallEAPIWrapper", { timeout: SLOW_MACHINE_MS }, () => {
  it("invokes the tool against the edge and the returned URL downloads the image", async () => {
    const tool = new DallEAPIWrapper({
      apiKey: stack.apiKey,
      baseUrl: baseURL(),
      size: "1792x1024",
    });
    const url = await tool.invoke("a red star on a white background");
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/files\/img_/);
    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect(await formatAndSize(new Uint8Array(await download.arrayBuffer()))).toEqual([
      "png",
      1792,
      1024,
    ]);
  });

  it("answers base64 with responseFormat b64_json", async () => {
    const tool = new DallEAPIWrapper({
      apiKey: stack.apiKey,
      baseUrl: baseURL(),
      responseFormat: "b64_json",
    });
    const b64 = await tool.invoke("a green heart");
    expect(await formatAndSize(Buffer.from(b64, "base64"))).toEqual(["png", 1024, 1024]);
  });
});
