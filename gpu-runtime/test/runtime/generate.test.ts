/**
 * `generate` through real HTTP, real worker threads and the real (tiny) ONNX models: streaming,
 * determinism, batching, overload, cancellation, deadlines and bad input.
 */
import type { GenerateEvent, GenerateInputIn, GenerateResult } from "@limner/contracts";
import { TRPCClientError } from "@trpc/client";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RuntimeRouter } from "../../src/router";
import { startRuntime, type TestRuntime } from "./runtime-harness";

let rt: TestRuntime;
let counter = 0;

beforeAll(async () => {
  rt = await startRuntime({ LIMNER_MAX_BATCH: "4", LIMNER_MAX_QUEUE_DELAY_MS: "40" });
});
afterAll(async () => {
  await rt?.stop();
});

const request = (overrides: Partial<GenerateInputIn> = {}): GenerateInputIn => ({
  requestId: `test-${++counter}`,
  model: "tiny-sd",
  prompt: "a red star above a blue circle",
  seed: 42,
  steps: 4,
  ...overrides,
});

async function collect(runtime: TestRuntime, input: GenerateInputIn, signal?: AbortSignal) {
  const events: GenerateEvent[] = [];
  const stream = await runtime.client.generate.mutate(input, signal ? { signal } : {});
  for await (const event of stream) events.push(event);
  const last = events.at(-1);
  if (last?.type !== "completed")
    throw new Error(`stream ended without a result: ${JSON.stringify(events)}`);
  return { events, result: last.result };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TRPCClientError);
  return (error as TRPCClientError<RuntimeRouter>).data?.code;
}

const pixels = async (result: GenerateResult, index = 0) => {
  const image = result.images[index];
  if (!image) throw new Error("no image");
  return sharp(Buffer.from(image.b64, "base64")).raw().toBuffer();
};

describe("generate", () => {
  it("streams queue position, every step and the result", async () => {
    const { events, result } = await collect(rt, request({ steps: 5, previews: true }));
    expect(events[0]).toEqual({ type: "queued", position: 0 });
    const steps = events.filter((e) => e.type === "progress");
    expect(steps.map((e) => e.step)).toEqual([1, 2, 3, 4, 5]);
    expect(steps.every((e) => e.totalSteps === 5)).toBe(true);
    // Previews every 5th step and at the end: a PNG at latent resolution.
    const preview = steps.at(-1)?.preview;
    expect(preview).toBeDefined();
    const meta = await sharp(Buffer.from(preview ?? "", "base64")).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["png", 8, 8]);
    expect(result).toMatchObject({
      model: "tiny-sd",
      bucket: "square",
      nativeWidth: 64,
      steps: 5,
      decoder: "vae",
    });
    // Stage timings: the three pipeline stages fit inside the inference time.
    const { text = -1, denoise = -1, decode = -1, inference = 0 } = result.timingsMs;
    expect(Math.min(text, denoise, decode)).toBeGreaterThan(0);
    expect(text + denoise + decode).toBeLessThanOrEqual(inference + 1);
  });

  it.each([
    ["square", 64, 64],
    ["landscape", 112, 64],
    ["portrait", 64, 112],
  ])("renders the %s bucket at its native size", async (bucket, width, height) => {
    const { result } = await collect(rt, request({ bucket }));
    const meta = await sharp(Buffer.from(result.images[0]?.b64 ?? "", "base64")).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["png", width, height]);
  });

  it("upscales to the API size and encodes the asked format", async () => {
    const { result } = await collect(
      rt,
      request({
        bucket: "landscape",
        outputSize: { width: 1792, height: 1024 },
        outputFormat: "webp",
      }),
    );
    expect(result.images[0]).toMatchObject({ mimeType: "image/webp", width: 1792, height: 1024 });
    const meta = await sharp(Buffer.from(result.images[0]?.b64 ?? "", "base64")).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["webp", 1792, 1024]);
    expect(result).toMatchObject({ nativeWidth: 112, nativeHeight: 64 });
  });

  it("gives byte-identical PNGs for one seed and different ones for another", async () => {
    const a = await collect(rt, request({ seed: 7 }));
    const b = await collect(rt, request({ seed: 7 }));
    const c = await collect(rt, request({ seed: 8 }));
    expect(a.result.images[0]?.b64).toBe(b.result.images[0]?.b64);
    expect(c.result.images[0]?.b64).not.toBe(a.result.images[0]?.b64);
  });

  it("keys image k of seed s by (s, k): image 0 is the n=1 render, image 1 is not seed s+1's", async () => {
    const many = await collect(rt, request({ seed: 100, n: 2 }));
    expect(many.result.images.map((i) => [i.seed, i.index])).toEqual([
      [100, 0],
      [100, 1],
    ]);
    const first = await collect(rt, request({ seed: 100 }));
    expect(await pixels(many.result, 0)).toEqual(await pixels(first.result));
    // Before: image 1 of seed 100 was image 0 of seed 101, so neighbouring seeds repeated.
    const next = await collect(rt, request({ seed: 101 }));
    expect(await pixels(many.result, 1)).not.toEqual(await pixels(next.result));
    expect(await pixels(many.result, 1)).not.toEqual(await pixels(many.result, 0));
    // Image 1 depends only on (seed, 1), not on how many images were asked for.
    const three = await collect(rt, request({ seed: 100, n: 3 }));
    expect(await pixels(three.result, 1)).toEqual(await pixels(many.result, 1));
  });

  it("sends exactly the counted previews: decoded x0 estimates, encoded like the image", async () => {
    const { events, result } = await collect(
      rt,
      request({
        steps: 6,
        previews: 2,
        bucket: "landscape",
        outputSize: { width: 1536, height: 1024 },
        outputFormat: "jpeg",
        outputCompression: 60,
      }),
    );
    const previews = events.filter((e) => e.type === "progress" && e.preview !== undefined);
    expect(previews.map((e) => e.type === "progress" && [e.step, e.previewIndex])).toEqual([
      // ⌈i·6/3⌉ for i = 1, 2: a third and two thirds of the way.
      [2, 0],
      [4, 1],
    ]);
    const decoded = await Promise.all(
      previews.map(async (e) => {
        const bytes = Buffer.from(e.type === "progress" ? (e.preview ?? "") : "", "base64");
        const meta = await sharp(bytes).metadata();
        return {
          meta: [meta.format, meta.width, meta.height],
          raw: await sharp(bytes).raw().toBuffer(),
        };
      }),
    );
    for (const { meta } of decoded) expect(meta).toEqual(["jpeg", 1536, 1024]);
    expect(decoded[0]?.raw).not.toEqual(decoded[1]?.raw);
    // Previews are side products: the final image is the one an unpreviewed request gets.
    const plain = await collect(
      rt,
      request({
        steps: 6,
        bucket: "landscape",
        outputSize: { width: 1536, height: 1024 },
        outputFormat: "jpeg",
        outputCompression: 60,
      }),
    );
    expect(result.images[0]?.b64).toBe(plain.result.images[0]?.b64);
  });

  it("maps quality to steps and decoder, and reports usage in tokens", async () => {
    const low = await collect(rt, request({ steps: undefined, quality: "low" }));
    const medium = await collect(rt, request({ steps: undefined, quality: "medium" }));
    expect(low.result.steps).toBe(Math.ceil(medium.result.steps / 2));
    expect(low.result.decoder).toBe("vae");
    const { result } = await collect(rt, request({ n: 2, negativePrompt: "green" }));
    // 64×64 bucket, 8× VAE: 8×8 latent cells per image.
    expect(result.usage.latentTokens).toBe(2 * 8 * 8);
    const alone = await collect(rt, request({ n: 2 }));
    expect(result.usage.textTokens).toBeGreaterThan(alone.result.usage.textTokens);
    expect(alone.result.usage.textTokens).toBeGreaterThan(2);
  });

  it("batches concurrent requests, and batched images equal unbatched ones", async () => {
    const seeds = [11, 12, 13];
    const alone = [];
    for (const seed of seeds)
      alone.push((await collect(rt, request({ seed, guidanceScale: 3 + seed / 10 }))).result);
    const batchesBefore = await rt.metric("limner_batch_size_count");
    const together = await Promise.all(
      seeds.map((seed) => collect(rt, request({ seed, guidanceScale: 3 + seed / 10 }))),
    );
    const batches = (await rt.metric("limner_batch_size_count")) - batchesBefore;
    expect(batches).toBeLessThan(seeds.length);
    for (const [i, { result }] of together.entries()) {
      const single = alone[i];
      if (!single) throw new Error("missing");
      expect(await pixels(result)).toEqual(await pixels(single));
    }
  });

  it("stops computing a request that is cancelled", async () => {
    const controller = new AbortController();
    const before = await rt.metric('limner_denoise_steps_total{model="tiny-sd"}');
    const stream = await rt.client.generate.mutate(
      request({ steps: 100, n: 4, bucket: "landscape" }),
      {
        signal: controller.signal,
      },
    );
    const error = await (async () => {
      for await (const event of stream) if (event.type === "progress") controller.abort();
    })().catch((e: unknown) => e);
    expect(error).toBeDefined();
    // Let the batch notice the abort at its next step boundary.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stepsTaken = (await rt.metric('limner_denoise_steps_total{model="tiny-sd"}')) - before;
    expect(stepsTaken).toBeGreaterThanOrEqual(1);
    expect(stepsTaken).toBeLessThan(100);
  });

  it("attaches a repeated request id to the running generation: one result, computed once", async () => {
    const before = await rt.metric('limner_denoise_steps_total{model="tiny-sd"}');
    const input = request({ steps: 12, seed: 7 });
    const first = collect(rt, input);
    // The retry arrives while the first is running, with the same id.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [a, b] = await Promise.all([first, collect(rt, input)]);
    expect(b.result.images[0]?.b64).toBe(a.result.images[0]?.b64);
    expect(b.events.at(-1)?.type).toBe("completed");
    const steps = (await rt.metric('limner_denoise_steps_total{model="tiny-sd"}')) - before;
    expect(steps).toBe(12);
  });

  it("counts a caller that hung up as cancelled, not as an error", async () => {
    const cancelled = () =>
      rt.metric('limner_requests_total{procedure="generate",outcome="cancelled"}');
    const before = await cancelled();
    const controller = new AbortController();
    const stream = await rt.client.generate.mutate(request({ steps: 100 }), {
      signal: controller.signal,
    });
    await (async () => {
      for await (const event of stream) if (event.type === "progress") controller.abort();
    })().catch(() => {});
    const deadline = Date.now() + 5000;
    while ((await cancelled()) === before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await cancelled()) - before).toBe(1);
    const errors = await rt.metric(
      'limner_requests_total{procedure="generate",outcome="INTERNAL_SERVER_ERROR"}',
    );
    expect(errors).toBe(0);
  });

  it("refuses bad input with clear errors and keeps serving", async () => {
    expect(await codeOf(collect(rt, request({ model: "nope" })))).toBe("NOT_FOUND");
    expect(await codeOf(collect(rt, request({ bucket: "panorama" })))).toBe("BAD_REQUEST");
    expect(await codeOf(collect(rt, request({ decoder: "consistency" })))).toBe("BAD_REQUEST");
    expect(await codeOf(collect(rt, request({ prompt: "x".repeat(4001) })))).toBe("BAD_REQUEST");
    expect(await codeOf(collect(rt, request({ steps: 0 })))).toBe("BAD_REQUEST");
    await expect(rt.client.health.query()).resolves.toMatchObject({ status: "READY" });
    await expect(collect(rt, request())).resolves.toBeDefined();
  });
});

describe("overload and deadlines", () => {
  let small: TestRuntime;
  beforeAll(async () => {
    small = await startRuntime({
      LIMNER_MAX_BATCH: "1",
      LIMNER_MAX_QUEUE_DELAY_MS: "0",
      LIMNER_MAX_QUEUED: "1",
    });
  });
  afterAll(async () => {
    await small?.stop();
  });

  it("answers a full queue at once with TOO_MANY_REQUESTS and a retry hint", async () => {
    const calls = [0, 1, 2, 3].map((i) =>
      collect(small, request({ seed: i, steps: 30, bucket: "landscape" })),
    );
    const outcomes = await Promise.allSettled(calls);
    const refused = outcomes.filter((o) => o.status === "rejected");
    expect(refused.length).toBeGreaterThan(0);
    const error = (refused[0] as PromiseRejectedResult).reason as TRPCClientError<RuntimeRouter>;
    expect(error.data?.code).toBe("TOO_MANY_REQUESTS");
    expect(error.data).toMatchObject({ retryAfterMs: expect.any(Number) });
    expect(outcomes.filter((o) => o.status === "fulfilled").length).toBeGreaterThan(0);
  });

  it("abandons a request whose deadline passes while it waits", async () => {
    const long = collect(small, request({ steps: 60, n: 4, bucket: "landscape" }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await codeOf(collect(small, request({ deadlineMs: 5 })))).toBe("TIMEOUT");
    await expect(long).resolves.toBeDefined();
  });
});
