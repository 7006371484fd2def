/**
 * `edit` (image-to-image, inpainting, variations) through real HTTP on the committed
 * limner-mini bundle: a masked edit changes only the masked region (measured), the same seed
 * gives the same bytes, the image's own transparency is a mask, a variation captions its input,
 * the stream carries progress and previews, and bad images or masks are refused.
 */
import { TRPCClientError } from "@trpc/client";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RuntimeRouter } from "../../src/router";
import { modelsDir, startRuntime, type TestRuntime } from "./runtime-harness";

let rt: TestRuntime;
/** 128×128: a red circle on a light background. */
let image: string;
/** Opaque except a transparent 48×48 square at (72, 8): the top-right corner is edited. */
let mask: string;
const HOLE = { left: 72, top: 8, size: 48 };

const inHole = (x: number, y: number) =>
  x >= HOLE.left && x < HOLE.left + HOLE.size && y >= HOLE.top && y < HOLE.top + HOLE.size;

beforeAll(async () => {
  rt = await startRuntime({ LIMNER_MODELS_DIR: modelsDir({ limnerMini: true }) });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128"><rect width="128" height="128" fill="#f0f0f0"/><circle cx="40" cy="80" r="26" fill="#e02020"/></svg>`;
  image = (await sharp(Buffer.from(svg)).png().toBuffer()).toString("base64");
  const rgba = Buffer.alloc(128 * 128 * 4, 255);
  for (let y = 0; y < 128; y++)
    for (let x = 0; x < 128; x++) if (inHole(x, y)) rgba[(y * 128 + x) * 4 + 3] = 0;
  mask = (
    await sharp(rgba, { raw: { width: 128, height: 128, channels: 4 } })
      .png()
      .toBuffer()
  ).toString("base64");
}, 120_000);
afterAll(async () => {
  await rt?.stop();
});

type EditArgs = Parameters<TestRuntime["client"]["edit"]["mutate"]>[0];

async function edit(args: Partial<EditArgs>) {
  const events = [];
  for await (const event of await rt.client.edit.mutate({
    requestId: crypto.randomUUID(),
    model: "limner-mini",
    image,
    ...args,
  }))
    events.push(event);
  const last = events.at(-1);
  if (last?.type !== "completed") throw new Error("the stream ended without a result");
  return { result: last.result, events };
}

async function rgb(b64: string) {
  const { data, info } = await sharp(Buffer.from(b64, "base64"))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Mean absolute difference per channel value, inside and outside the hole. */
async function differences(a: string, b: string) {
  const [x, y] = [await rgb(a), await rgb(b)];
  let inside = 0;
  let outside = 0;
  let nIn = 0;
  let nOut = 0;
  for (let py = 0; py < x.height; py++) {
    for (let px = 0; px < x.width; px++) {
      for (let c = 0; c < 3; c++) {
        const i = (py * x.width + px) * 3 + c;
        const d = Math.abs((x.data[i] ?? 0) - (y.data[i] ?? 0));
        if (inHole(px, py)) {
          inside += d;
          nIn++;
        } else {
          outside += d;
          nOut++;
        }
      }
    }
  }
  return { inside: inside / nIn, outside: outside / nOut };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TRPCClientError);
  return (error as TRPCClientError<RuntimeRouter>).data?.code;
}

describe("edit", () => {
  it("changes only the masked region of the image", async () => {
    const { result, events } = await edit({ mask, prompt: "a blue square", seed: 7 });
    const [out] = result.images;
    if (!out) throw new Error("no image");
    expect(out).toMatchObject({ width: 128, height: 128, mimeType: "image/png", seed: 7 });
    const { inside, outside } = await differences(image, out.b64);
    expect(outside).toBe(0);
    expect(inside).toBeGreaterThan(10);
    // A region is redrawn from noise: every scheduled step runs.
    expect(result).toMatchObject({ strength: 1, stepsRun: result.steps, prompt: "a blue square" });
    expect(events[0]).toMatchObject({ type: "queued" });
    expect(events.filter((e) => e.type === "progress")).toHaveLength(result.stepsRun);
  });

  it("gives the same bytes for the same seed, and different images for n > 1", async () => {
    const args = { mask, prompt: "a green triangle", seed: 11, n: 2, steps: 6 };
    const [a, b] = [await edit(args), await edit(args)];
    expect(a.result.images.map((i) => i.b64)).toEqual(b.result.images.map((i) => i.b64));
    expect(a.result.images[0]?.b64).not.toBe(a.result.images[1]?.b64);
    expect(a.result.images.map((i) => i.index)).toEqual([0, 1]);
  });

  it("edits the whole image at a strength without a mask, running steps × strength", async () => {
    const { result } = await edit({ prompt: "a red circle", strength: 0.5, steps: 10, seed: 3 });
    expect(result).toMatchObject({ strength: 0.5, stepsRun: 5 });
    const { inside, outside } = await differences(image, result.images[0]?.b64 ?? "");
    expect(inside + outside).toBeGreaterThan(0);
  });

  it("uses the image's own transparent pixels as the mask", async () => {
    const { data } = await sharp(Buffer.from(image, "base64"))
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    for (let y = 0; y < 128; y++)
      for (let x = 0; x < 128; x++) if (inHole(x, y)) data[(y * 128 + x) * 4 + 3] = 0;
    const holed = (
      await sharp(data, { raw: { width: 128, height: 128, channels: 4 } })
        .png()
        .toBuffer()
    ).toString("base64");
    const { result } = await edit({ image: holed, prompt: "a blue square", seed: 5, steps: 8 });
    const { inside, outside } = await differences(image, result.images[0]?.b64 ?? "");
    expect(outside).toBe(0);
    expect(inside).toBeGreaterThan(10);
  });

  it("keeps the unmasked region exact at a larger answer size", async () => {
    const { result } = await edit({
      mask,
      prompt: "a blue square",
      seed: 9,
      steps: 6,
      outputSize: { width: 256, height: 256 },
    });
    const out = result.images[0];
    expect(out).toMatchObject({ width: 256, height: 256 });
    const big = await sharp(Buffer.from(image, "base64"))
      .removeAlpha()
      .resize(256, 256)
      .raw()
      .toBuffer();
    const got = await rgb(out?.b64 ?? "");
    // The top-left quarter (outside the hole at every scale) is the resized input exactly.
    let diff = 0;
    for (let y = 0; y < 128; y++)
      for (let x = 0; x < 128; x++)
        for (let c = 0; c < 3; c++) {
          const i = (y * 256 + x) * 3 + c;
          diff += Math.abs((got.data[i] ?? 0) - (big[i] ?? 0));
        }
    expect(diff).toBe(0);
  });

  it("makes a variation from the image's caption, with counted previews", async () => {
    const { result, events } = await edit({ strength: 0.7, seed: 1, steps: 10, previews: 2 });
    expect(result.prompt).toMatch(/circle/);
    expect(result).toMatchObject({ strength: 0.7, stepsRun: 7 });
    const previews = events.filter((e) => e.type === "progress" && e.preview);
    expect(previews).toHaveLength(2);
  });

  it("refuses bad images and masks as BAD_REQUEST, and keeps serving", async () => {
    const hello = Buffer.from("hello, not an image").toString("base64");
    const run = (args: Partial<EditArgs>) =>
      edit({ prompt: "a blue square", steps: 2, ...args }).then((r) => r.result);
    expect(await codeOf(run({ image: hello }))).toBe("BAD_REQUEST");
    expect(await codeOf(run({ mask: hello }))).toBe("BAD_REQUEST");
    expect(await codeOf(run({ image: "***" }))).toBe("BAD_REQUEST");
    const small = (
      await sharp({ create: { width: 64, height: 64, channels: 4, background: "#fff0" } })
        .png()
        .toBuffer()
    ).toString("base64");
    expect(await codeOf(run({ mask: small }))).toBe("BAD_REQUEST");
    expect(await codeOf(run({ model: "tiny-sd" }))).toBe("BAD_REQUEST");
    const { result } = await edit({ mask, prompt: "a blue square", steps: 2, seed: 1 });
    expect(result.images).toHaveLength(1);
  });
});
