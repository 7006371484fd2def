/**
 * The rest of the public API against real processes: captions (JSON and multipart, checked
 * before decode), prompt upsampling with the model's learned upsampler (the tiny-limner
 * fixture) and per-request opt-out, the OpenAPI document, and CORS.
 */
import { crc32 } from "node:zlib";
import type { RunningStack } from "@limner/dev-stack";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack } from "./test-stack";

let stack: RunningStack;
let png: Buffer;

beforeAll(async () => {
  stack = await startTestStack(["tiny-limner", "limner-mini"], {
    edgeVars: { LIMNER_DEFAULT_MODEL: "tiny-limner", LIMIT_REQUESTS_PER_MINUTE: "1000" },
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128"><rect width="128" height="128" fill="#f0f0f0"/><circle cx="64" cy="64" r="30" fill="#e02020"/></svg>`;
  png = await sharp(Buffer.from(svg)).png().toBuffer();
});

afterAll(async () => {
  await stack?.stop();
});

const auth = () => ({ authorization: `Bearer ${stack.apiKey}` });
const postJson = (path: string, body: unknown) =>
  fetch(`${stack.edgeUrl}${path}`, {
    method: "POST",
    headers: { ...auth(), "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("captions", () => {
  it("captions a base64 image and a multipart upload", async () => {
    const json = await postJson("/v1/images/captions", {
      image: png.toString("base64"),
      model: "limner-mini",
      detail: "short",
    });
    expect(json.status).toBe(200);
    expect(await json.json()).toMatchObject({
      model: "limner-mini",
      detail: "short",
      caption: expect.stringMatching(/\w/),
    });

    const form = new FormData();
    form.set("file", new Blob([new Uint8Array(png)], { type: "image/png" }), "scene.png");
    form.set("model", "limner-mini");
    const multipart = await fetch(`${stack.edgeUrl}/v1/images/captions`, {
      method: "POST",
      headers: auth(),
      body: form,
    });
    expect(multipart.status).toBe(200);
    expect(await multipart.json()).toMatchObject({
      detail: "descriptive",
      caption: expect.stringMatching(/\w/),
    });
  });

  it("refuses non-images (400, as OpenAI) and oversized images from the header (413)", async () => {
    const text = await postJson("/v1/images/captions", {
      image: Buffer.from("not an image at all").toString("base64"),
      model: "limner-mini",
    });
    expect(text.status).toBe(400);
    expect(((await text.json()) as { error: { code: string } }).error).toMatchObject({
      code: "invalid_image_format",
      type: "invalid_request_error",
      param: "image",
    });

    const bomb = Buffer.from(png);
    bomb.writeUInt32BE(60_000, 16);
    bomb.writeUInt32BE(60_000, 20);
    bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29);
    const big = await postJson("/v1/images/captions", {
      image: bomb.toString("base64"),
      model: "limner-mini",
    });
    expect(big.status).toBe(413);

    const form = new FormData();
    form.set("file", new Blob(["GIF89a nope"], { type: "image/gif" }), "x.gif");
    expect(
      (
        await fetch(`${stack.edgeUrl}/v1/images/captions`, {
          method: "POST",
          headers: auth(),
          body: form,
        })
      ).status,
    ).toBe(400);
  });
});

describe("prompt upsampling", () => {
  it("rewrites with the model's learned upsampler", async () => {
    const response = await postJson("/v1/prompts/upsample", { prompt: "a red star" });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      prompt: string;
      revised_prompt: string;
      strategy: string;
    };
    expect(body).toMatchObject({ prompt: "a red star", strategy: "model" });
    expect(body.revised_prompt.length).toBeGreaterThan(0);
  });

  it("keeps every stated background, texture, count and relation of limner-mini's prompts, in sentences", async () => {
    const prompt =
      "a striped red star above a blue circle and two yellow squares on a black background";
    const response = await postJson("/v1/prompts/upsample", { prompt, model: "limner-mini" });
    expect(response.status).toBe(200);
    const { revised_prompt: revised } = (await response.json()) as { revised_prompt: string };
    // English: capitalised sentences ending in a full stop, no space before punctuation.
    const sentences = revised.split(/(?<=\.) /);
    expect(sentences.length).toBeGreaterThan(3);
    for (const sentence of sentences) expect(sentence).toMatch(/^[A-Z][^.]*[^ ]\.$/);
    expect(revised).not.toMatch(/ [.,]/);

    const text = revised.toLowerCase();
    expect(text).toMatch(/\bblack background\b/);
    for (const other of ["white", "cream", "silver", "navy"])
      expect(text).not.toContain(`${other} background`);
    // Four objects: the star, the circle and two squares, each in a sentence of its own.
    expect(text).toMatch(/\bfour (objects|shapes)\b/);
    const objectSentences = sentences.map((s) => s.toLowerCase());
    const about = (shape: string) =>
      objectSentences.filter((s) => s.includes(shape) && !s.startsWith("the "));
    const [star] = about("star");
    expect(about("star")).toHaveLength(1);
    expect(star).toContain("red");
    expect(star).toContain("striped");
    expect(about("circle")).toHaveLength(1);
    expect(about("circle")[0]).toContain("blue");
    expect(about("square").filter((s) => s.includes("yellow"))).toHaveLength(2);
    // The star is above the circle: its row word is above the circle's.
    const row = (sentence = "") =>
      /\btop\b/.test(sentence) ? 0 : /\bbottom\b/.test(sentence) ? 2 : 1;
    expect(row(star)).toBeLessThan(row(about("circle")[0]));
  });

  it("feeds the revised prompt to generation, unless upsample is false", async () => {
    const upsampled = (await (
      await postJson("/v1/images/generations", {
        prompt: "a red star",
        response_format: "b64_json",
      })
    ).json()) as {
      data: { revised_prompt: string }[];
    };
    const expected = (await (
      await postJson("/v1/prompts/upsample", { prompt: "a red star" })
    ).json()) as { revised_prompt: string };
    expect(upsampled.data[0]?.revised_prompt).toBe(expected.revised_prompt);
    const plain = (await (
      await postJson("/v1/images/generations", {
        prompt: "a red star",
        upsample: false,
        response_format: "b64_json",
      })
    ).json()) as { data: { revised_prompt: string }[] };
    expect(plain.data[0]?.revised_prompt).toBe("a red star");
  });
});

describe("OpenAPI and CORS", () => {
  it("serves an OpenAPI document generated from the route definitions", async () => {
    const doc = (await (await fetch(`${stack.edgeUrl}/openapi.json`)).json()) as {
      openapi: string;
      servers: { url: string }[];
      paths: Record<string, Record<string, { operationId: string }>>;
      components: {
        schemas: Record<string, { properties: Record<string, { maxLength?: number }> }>;
      };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers[0]?.url).toMatch(/^https?:\/\//);
    expect(doc.components.schemas.ImageGenerationRequest?.properties.prompt?.maxLength).toBe(4000);
    expect(doc.paths["/v1/images/generations"]?.post?.operationId).toBe("createImage");
    expect(doc.paths["/v1/models/{id}"]?.get?.operationId).toBe("retrieveModel");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/images/captions",
        "/v1/prompts/upsample",
        "/v1/models",
        "/v1/files/{id}",
        "/admin/keys/{id}",
        "/readyz",
      ]),
    );
  });

  it("answers CORS preflights and exposes the request id", async () => {
    const preflight = await fetch(`${stack.edgeUrl}/v1/images/generations`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        // What the openai client sends from a browser, x-stainless-* included.
        "access-control-request-headers":
          "authorization,content-type,openai-organization,x-stainless-lang,x-stainless-os,x-stainless-package-version,x-stainless-retry-count,x-stainless-timeout",
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(
      /x-stainless-retry-count/,
    );
    const models = await fetch(`${stack.edgeUrl}/v1/models`, {
      headers: { ...auth(), origin: "https://app.example" },
    });
    expect(models.headers.get("access-control-expose-headers")).toMatch(/x-request-id/);
  });
});
