/**
 * The `openai` package in a browser: its browser build bundled with esbuild (as an app's bundler
 * would), loaded by a page on its own origin in Debian's Chromium with `dangerouslyAllowBrowser`,
 * calling the edge cross-origin. What breaks here and not in Node is CORS: the client's
 * `x-stainless-*` request headers must pass the preflight and the headers it reads
 * (`x-request-id`, the rate limits) must be exposed.
 */
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, type PageServer, servePages } from "./browser";
import { startTestStack, type TestStack } from "./test-stack";

/** Per test: a generation and its download can take minutes on two busy cores. */
const SLOW_MACHINE_MS = 240_000;

let stack: TestStack;
let browser: Browser;
let pages: PageServer;

beforeAll(async () => {
  stack = await startTestStack(["tiny-limner"], {
    edgeVars: { LIMNER_DEFAULT_MODEL: "tiny-limner", LIMIT_REQUESTS_PER_MINUTE: "1000" },
  });
  const bundled = await build({
    stdin: {
      contents: 'export { default as OpenAI } from "openai";',
      resolveDir: import.meta.dirname,
      loader: "js",
    },
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
  });
  pages = await servePages({
    "/": {
      contentType: "text/html",
      body: '<!doctype html><title>openai</title><link rel="icon" href="data:,"><script type="module">import { OpenAI } from "/openai.js"; window.OpenAI = OpenAI;</script>',
    },
    "/openai.js": { contentType: "text/javascript", body: bundled.outputFiles[0]?.text ?? "" },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await stack?.stop();
});

/** A fresh page with the client loaded; console errors (CORS refusals show there) collected. */
async function openPage(): Promise<{ page: Page; consoleErrors: string[] }> {
  const page = await browser.newPage();
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(error.message));
  await page.goto(`${pages.url}/`);
  await page.waitForFunction(() => "OpenAI" in window);
  return { page, consoleErrors };
}

/** Runs `code` (the body of an async function of `OpenAI`, `baseURL`, `apiKey`) in the page. */
function inPage(page: Page, code: string): Promise<unknown> {
  return page.evaluate(
    ([body, baseURL, apiKey]) => {
      const run = new Function("OpenAI", "baseURL", "apiKey", `return (async () => {${body}})();`);
      return run((window as unknown as { OpenAI: unknown }).OpenAI, baseURL, apiKey);
    },
    [code, `${stack.edgeUrl}/v1`, stack.apiKey] as const,
  );
}

describe("openai in Chromium", { timeout: SLOW_MACHINE_MS }, () => {
  it("generates cross-origin (b64_json and a signed URL) and reads the exposed headers", async () => {
    const { page, consoleErrors } = await openPage();
    const outcome = (await inPage(
      page,
      `const client = new OpenAI({ baseURL, apiKey, dangerouslyAllowBrowser: true });
      const { data, response, request_id } = await client.images
        .generate({ model: "dall-e-3", prompt: "a red star", response_format: "b64_json" })
        .withResponse();
      const inline = new Image();
      inline.src = "data:image/png;base64," + data.data[0].b64_json;
      await inline.decode();
      const linked = await client.images.generate({ model: "dall-e-3", prompt: "a blue circle", size: "1792x1024" });
      const remote = new Image();
      remote.src = linked.data[0].url;
      await remote.decode();
      const models = await client.models.list();
      return {
        inline: [inline.naturalWidth, inline.naturalHeight],
        remote: [remote.naturalWidth, remote.naturalHeight],
        requestId: request_id,
        remaining: response.headers.get("x-ratelimit-remaining-requests"),
        models: models.data.map((m) => m.id),
      };`,
    )) as {
      inline: number[];
      remote: number[];
      requestId: string | null;
      remaining: string | null;
      models: string[];
    };
    expect(outcome.inline).toEqual([1024, 1024]);
    expect(outcome.remote).toEqual([1792, 1024]);
    expect(outcome.requestId).toMatch(/^req_/);
    expect(Number(outcome.remaining)).toBeGreaterThan(0);
    expect(outcome.models).toContain("tiny-limner");
    expect(consoleErrors).toEqual([]);
  });

  it("streams partial images in the page (gpt-image-1, partial_images: 2)", async () => {
    const { page } = await openPage();
    const types = await inPage(
      page,
      `const client = new OpenAI({ baseURL, apiKey, dangerouslyAllowBrowser: true });
      const stream = await client.images.generate({
        model: "gpt-image-1", prompt: "a green heart", stream: true, partial_images: 2,
      });
      const types = [];
      for await (const event of stream) if (event.type.startsWith("image_generation.")) types.push(event.type);
      return types;`,
    );
    expect(types).toEqual([
      "image_generation.partial_image",
      "image_generation.partial_image",
      "image_generation.completed",
    ]);
  });

  it("surfaces the edge's errors as the client's error classes", async () => {
    const { page } = await openPage();
    const outcome = (await inPage(
      page,
      `const stranger = new OpenAI({ baseURL, apiKey: "lmn_" + "x".repeat(40), dangerouslyAllowBrowser: true });
      const client = new OpenAI({ baseURL, apiKey, dangerouslyAllowBrowser: true });
      const describe = (e) => ({
        auth: e instanceof OpenAI.AuthenticationError,
        bad: e instanceof OpenAI.BadRequestError,
        status: e.status, param: e.param ?? null, requestId: e.requestID ?? null,
      });
      const unauthorised = await stranger.models.list().then(() => null, describe);
      const invalid = await client.images
        .generate({ model: "dall-e-3", prompt: "x", size: "512x512" })
        .then(() => null, describe);
      return { unauthorised, invalid };`,
    )) as Record<string, Record<string, unknown>>;
    expect(outcome.unauthorised).toMatchObject({ auth: true, status: 401 });
    expect(outcome.unauthorised?.requestId).toMatch(/^req_/);
    expect(outcome.invalid).toMatchObject({ bad: true, status: 400, param: "size" });
  });
});
