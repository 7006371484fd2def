/**
 * A limner bundle that ships the generation components (the tiny-limner fixture) served by a
 * real in-process runtime over tRPC: it is listed with its capabilities, generates with both
 * decoders at its manifest's defaults, and upsamples prompts with its learned upsampler.
 */
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GenerateEvent, GenerateInputIn } from "@limner/contracts";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type TestRuntime } from "./runtime-harness";

const TINY_LIMNER = fileURLToPath(new URL("../fixtures/tiny-limner", import.meta.url));

let rt: TestRuntime;
let counter = 0;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "limner-generation-models-"));
  symlinkSync(TINY_LIMNER, join(dir, "tiny-limner"));
  rt = await startRuntime({ LIMNER_MODELS_DIR: dir, LIMNER_MAX_QUEUE_DELAY_MS: "0" });
});
afterAll(async () => {
  await rt?.stop();
});

async function generate(overrides: Partial<GenerateInputIn> = {}) {
  const stream = await rt.client.generate.mutate({
    requestId: `limner-${++counter}`,
    model: "tiny-limner",
    prompt: "a red circle above a blue square",
    seed: 3,
    ...overrides,
  });
  const events: GenerateEvent[] = [];
  for await (const event of stream) events.push(event);
  const last = events.at(-1);
  if (last?.type !== "completed") throw new Error(`no result: ${JSON.stringify(events)}`);
  return last.result;
}

describe("a limner bundle with generation components", () => {
  it("is listed with the generate and upsample capabilities and its buckets", async () => {
    const models = await rt.client.models.query();
    const model = models.find((m) => m.id === "tiny-limner");
    expect(model?.capabilities).toEqual(expect.arrayContaining(["generate", "upsample"]));
    expect(model?.buckets.map((b) => [b.name, b.width, b.height])).toEqual([
      ["square", 64, 64],
      ["landscape", 112, 64],
      ["portrait", 64, 112],
    ]);
  });

  it("generates with the consistency decoder (the manifest's default) over tRPC", async () => {
    const result = await generate({ bucket: "portrait", steps: 2 });
    expect(result).toMatchObject({
      model: "tiny-limner",
      bucket: "portrait",
      decoder: "consistency",
      nativeWidth: 64,
      nativeHeight: 112,
    });
    const png = Buffer.from(result.images[0]?.b64 ?? "", "base64");
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["png", 64, 112]);
    const again = await generate({ bucket: "portrait", steps: 2, decoder: "consistency" });
    expect(again.images[0]?.b64).toBe(result.images[0]?.b64);
    const vae = await generate({ bucket: "portrait", steps: 2, decoder: "vae" });
    expect(vae.decoder).toBe("vae");
    expect(vae.images[0]?.b64).not.toBe(result.images[0]?.b64);
  });

  it("takes steps and scheduler from the manifest when the request leaves them out", async () => {
    const result = await generate();
    expect(result).toMatchObject({
      steps: 4,
      scheduler: "euler",
      bucket: "square",
      decoder: "consistency",
    });
  });

  it("upsamples a prompt with the bundle's learned upsampler", async () => {
    const first = await rt.client.upsample.mutate({ model: "tiny-limner", prompt: "a red circle" });
    expect(first.model).toBe("tiny-limner");
    expect(first.revisedPrompt.length).toBeGreaterThan(0);
    const again = await rt.client.upsample.mutate({ model: "tiny-limner", prompt: "a red circle" });
    expect(again.revisedPrompt).toBe(first.revisedPrompt);
  });
});
