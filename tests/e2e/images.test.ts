/**
 * Image generation end to end with the unmodified `openai` client: edge on workerd (local D1
 * and R2) → tRPC → runtime process running the tiny diffusers-layout fixture model.
 */
import type { RunningStack } from "@limner/dev-stack";
import OpenAI from "openai";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack } from "./test-stack";

let stack: RunningStack;
let openai: OpenAI;

beforeAll(async () => {
  stack = await startTestStack(["tiny-sd"], { edgeVars: { LIMNER_DEFAULT_MODEL: "tiny-sd" } });
  openai = new OpenAI({ baseURL: `${stack.edgeUrl}/v1`, apiKey: stack.apiKey });
});

afterAll(async () => {
  await stack?.stop();
});

async function pngSize(bytes: Buffer) {
  const meta = await sharp(bytes).metadata();
  return [meta.format, meta.width, meta.height];
}

describe("the openai client against the edge", () => {
  it("generates at 1792x1024 and the URL downloads a 1792×1024 PNG", async () => {
    const response = await openai.images.generate({
      model: "dall-e-3",
      prompt: "a red star above a blue circle",
      size: "1792x1024",
    });
    const [image] = response.data ?? [];
    expect(image?.revised_prompt).toBe("a red star above a blue circle");
    expect(image?.url).toMatch(/\/v1\/files\/img_[\w-]+\?expires=\d+&signature=[0-9a-f]{64}$/);
    const download = await fetch(image?.url ?? "");
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("image/png");
    expect(await pngSize(Buffer.from(await download.arrayBuffer()))).toEqual(["png", 1792, 1024]);
  });

  it("answers b64_json, at every dall-e-3 size, with Limner's metadata", async () => {
    for (const [size, native] of [
      ["1024x1024", "64x64"],
      ["1024x1792", "64x112"],
    ] as const) {
      const response = await openai.images.generate({
        prompt: "a green heart",
        size,
        response_format: "b64_json",
      });
      const b64 = response.data?.[0]?.b64_json ?? "";
      const [width, height] = size.split("x").map(Number);
      expect(await pngSize(Buffer.from(b64, "base64"))).toEqual(["png", width, height]);
      expect((response as unknown as { limner: { native_size: string } }).limner.native_size).toBe(
        native,
      );
    }
  });

  it("reproduces an image from its seed", async () => {
    const generate = () =>
      fetch(`${stack.edgeUrl}/v1/images/generations`, {
        method: "POST",
        headers: { authorization: `Bearer ${stack.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          prompt: "a yellow cross",
          seed: 1234,
          response_format: "b64_json",
          upsample: false,
        }),
      }).then(
        (r) => r.json() as Promise<{ data: { b64_json: string }[]; limner: { seed: number } }>,
      );
    const [a, b] = [await generate(), await generate()];
    expect(a.limner.seed).toBe(1234);
    expect(a.data[0]?.b64_json).toBe(b.data[0]?.b64_json);
  });

  it("refuses a tampered or expired file URL with 403", async () => {
    const response = await openai.images.generate({ prompt: "a purple square", size: "1024x1024" });
    const url = new URL(response.data?.[0]?.url ?? "");
    const tampered = new URL(url);
    tampered.searchParams.set("signature", "0".repeat(64));
    expect((await fetch(tampered)).status).toBe(403);
    const later = new URL(url);
    later.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 10));
    expect((await fetch(later)).status).toBe(403);
  });

  it("streams progress and the completed image as server-sent events", async () => {
    const response = await fetch(`${stack.edgeUrl}/v1/images/generations`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        prompt: "a blue diamond",
        stream: true,
        steps: 6,
        response_format: "b64_json",
      }),
    });
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const text = await response.text();
    const events = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    expect(events[0]).toBe("limner.queued");
    expect(events.filter((e) => e === "limner.progress")).toHaveLength(6);
    expect(events.at(-1)).toBe("image_generation.completed");
    const completed =
      text
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .at(-1) ?? "";
    const payload = JSON.parse(completed.slice(6)) as { b64_json: string; revised_prompt: string };
    expect(await pngSize(Buffer.from(payload.b64_json, "base64"))).toEqual(["png", 1024, 1024]);
  });

  it("maps client mistakes to OpenAI's errors through the official client", async () => {
    const error = await openai.images
      .generate({ prompt: "x", size: "512x512" as "1024x1024" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param: "size" });
  });
});
