/**
 * The SDK outside Node: its built `dist/` bundled for the web (esbuild, as an app's bundler
 * would) and run in a page in Debian's Chromium and in a worker on workerd (Miniflare), each
 * calling the real edge: generate with the stream, caption the result, upsample, list models.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { MINIFLARE_API } from "@limner/dev-stack";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser";
import { startTestStack, type TestStack } from "./test-stack";

const SDK_DIST = join(import.meta.dirname, "../../packages/sdk/dist/index.js");
let stack: TestStack;
let sdkBundle: string;

/** Runs where `Limner` is in scope; the same code in the page and in the worker. */
const SCENARIO = `
async function scenario(Limner, baseURL, apiKey) {
  const limner = new Limner({ baseURL, apiKey });
  const stream = await limner.images.generate({
    prompt: "a red star", stream: true, steps: 3, seed: 3, response_format: "b64_json",
  });
  const events = [];
  for await (const event of stream) events.push(event.type);
  const result = await stream.finalResult();
  const bytes = Uint8Array.from(atob(result.data[0].b64_json), (c) => c.charCodeAt(0));
  const caption = await limner.images.caption({
    image: new Blob([bytes], { type: "image/png" }), model: "limner-mini", detail: "short",
  });
  const upsampled = await limner.prompts.upsample({ prompt: "a red star" });
  const models = await limner.models.list();
  return { events, caption: caption.caption, upsampled: upsampled.revised_prompt,
    models: models.data.map((m) => m.id), requestID: stream.requestID };
}`;

interface Outcome {
  events: string[];
  caption: string;
  upsampled: string;
  models: string[];
  requestID: string | null;
}

function expectOutcome(outcome: Outcome) {
  expect(outcome.events[0]).toBe("limner.queued");
  expect(outcome.events.filter((e) => e === "limner.progress")).toHaveLength(3);
  expect(outcome.events.at(-1)).toBe("image_generation.completed");
  expect(outcome.caption.length).toBeGreaterThan(0);
  expect(outcome.upsampled.length).toBeGreaterThan(0);
  expect(outcome.models).toEqual(expect.arrayContaining(["tiny-limner", "limner-mini"]));
  expect(outcome.requestID).toMatch(/^req_/);
}

beforeAll(async () => {
  stack = await startTestStack(["tiny-limner", "limner-mini"], {
    edgeVars: { LIMNER_DEFAULT_MODEL: "tiny-limner", LIMIT_REQUESTS_PER_MINUTE: "1000" },
  });
  const bundled = await build({
    entryPoints: [SDK_DIST],
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
  });
  sdkBundle = bundled.outputFiles[0]?.text ?? "";
});

afterAll(async () => {
  await stack?.stop();
});

describe("@limner/sdk in a browser", () => {
  let browser: Browser;
  let server: Server;

  beforeAll(async () => {
    // The page comes from its own origin, so every call is cross-origin (CORS) as in an app.
    server = createServer((req, res) => {
      if (req.url === "/sdk.js") {
        res.writeHead(200, { "content-type": "text/javascript" }).end(sdkBundle);
        return;
      }
      res
        .writeHead(200, { "content-type": "text/html" })
        .end(
          '<!doctype html><title>sdk</title><script type="module">import { Limner } from "/sdk.js"; window.Limner = Limner;</script>',
        );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it("generates, streams, captions and upsamples from a page", { timeout: 120_000 }, async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => "Limner" in window);
    const outcome = (await page.evaluate(
      ([code, baseURL, apiKey]) => {
        const scenario = new Function(`${code}; return scenario;`)();
        return scenario((window as unknown as { Limner: unknown }).Limner, baseURL, apiKey);
      },
      [SCENARIO, `${stack.edgeUrl}/v1`, stack.apiKey] as const,
    )) as Outcome;
    expectOutcome(outcome);
  });
});

describe("@limner/sdk in a worker on workerd", () => {
  it("generates, streams, captions and upsamples from a worker", { timeout: 120_000 }, async () => {
    const { Miniflare }: typeof import("miniflare") = await import(MINIFLARE_API);
    const worker = `import { Limner } from "./sdk.js";
${SCENARIO}
export default {
  async fetch(request, env) {
    try {
      return Response.json(await scenario(Limner, env.BASE_URL, env.API_KEY));
    } catch (error) {
      return Response.json({ error: String(error) }, { status: 500 });
    }
  },
};`;
    const miniflare = new Miniflare({
      // Listed, not discovered: the module is exactly the bundle an app would deploy.
      modules: [
        { type: "ESModule", path: "worker.js", contents: worker },
        { type: "ESModule", path: "sdk.js", contents: sdkBundle },
      ],
      compatibilityDate: "2025-01-01",
      bindings: { BASE_URL: `${stack.edgeUrl}/v1`, API_KEY: stack.apiKey },
    });
    try {
      const response = await miniflare.dispatchFetch("http://worker/");
      const outcome = (await response.json()) as Outcome & { error?: string };
      expect(outcome.error).toBeUndefined();
      expectOutcome(outcome);
    } finally {
      await miniflare.dispose();
    }
  });
});
