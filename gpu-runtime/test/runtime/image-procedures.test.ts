/**
 * `caption`, `score` and `upsample` through real HTTP on the committed limner-mini bundle, and
 * every kind of bad image input: each gets its own tRPC error and the runtime keeps serving.
 * (Caption quality itself is tested in test/pipelines.)
 */
import { crc32 } from "node:zlib";
import { TRPCClientError } from "@trpc/client";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RuntimeRouter } from "../../src/router";
import { modelsDir, startRuntime, type TestRuntime } from "./runtime-harness";

let rt: TestRuntime;
let png: string;

beforeAll(async () => {
  rt = await startRuntime({
    LIMNER_MODELS_DIR: modelsDir({ limnerMini: true }),
    LIMNER_MAX_INPUT_PIXELS: "1000000",
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128"><rect width="128" height="128" fill="#f0f0f0"/><circle cx="64" cy="64" r="30" fill="#e02020"/></svg>`;
  png = (await sharp(Buffer.from(svg)).png().toBuffer()).toString("base64");
});
afterAll(async () => {
  await rt?.stop();
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TRPCClientError);
  return (error as TRPCClientError<RuntimeRouter>).data?.code;
}

describe("caption and score", () => {
  it("captions a PNG (base64 or data URL) in both modes", async () => {
    const descriptive = await rt.client.caption.mutate({ model: "limner-mini", image: png });
    const short = await rt.client.caption.mutate({
      model: "limner-mini",
      image: `data:image/png;base64,${png}`,
      detail: "short",
    });
    expect(descriptive).toMatchObject({ model: "limner-mini", detail: "descriptive" });
    expect(short.detail).toBe("short");
    expect(descriptive.caption).toMatch(/\w+/);
    expect(short.caption).toMatch(/\w+/);
  });

  it("scores image–text similarity as a cosine", async () => {
    const { similarity } = await rt.client.score.mutate({
      model: "limner-mini",
      image: png,
      prompt: "a red circle",
    });
    expect(similarity).toBeGreaterThanOrEqual(-1);
    expect(similarity).toBeLessThanOrEqual(1);
  });

  it("says which models lack a pipeline", async () => {
    expect(await codeOf(rt.client.caption.mutate({ model: "tiny-sd", image: png }))).toBe(
      "BAD_REQUEST",
    );
    expect(
      await codeOf(rt.client.upsample.mutate({ model: "tiny-sd", prompt: "a red star" })),
    ).toBe("BAD_REQUEST");
    expect(await codeOf(rt.client.caption.mutate({ model: "nope", image: png }))).toBe("NOT_FOUND");
  });
});

describe("bad images", () => {
  it("refuses text, non-images, truncated files, other formats and bombs", async () => {
    const caption = (image: string) => rt.client.caption.mutate({ model: "limner-mini", image });
    expect(await codeOf(caption("definitely not base64!"))).toBe("BAD_REQUEST");
    expect(await codeOf(caption(Buffer.from("just some text here").toString("base64")))).toBe(
      "BAD_REQUEST",
    );
    const truncated = Buffer.from(png, "base64").subarray(0, 40).toString("base64");
    expect(await codeOf(caption(truncated))).toBe("BAD_REQUEST");
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: "red" } })
      .gif()
      .toBuffer();
    expect(await codeOf(caption(gif.toString("base64")))).toBe("UNSUPPORTED_MEDIA_TYPE");
    const bomb = Buffer.from(png, "base64");
    bomb.writeUInt32BE(50_000, 16);
    bomb.writeUInt32BE(50_000, 20);
    bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29);
    expect(await codeOf(caption(bomb.toString("base64")))).toBe("PAYLOAD_TOO_LARGE");
    await expect(rt.client.health.query()).resolves.toMatchObject({ status: "READY" });
    await expect(caption(png)).resolves.toMatchObject({ model: "limner-mini" });
  });
});
