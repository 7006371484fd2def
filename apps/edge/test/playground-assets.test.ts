/**
 * The playground's page and modules as the edge serves them: every stylesheet, script and
 * import the page names is served with its content type (a missing one would break the page
 * only in a browser), the wire module carries the contracts' values, and no upscaled image is
 * drawn with nearest-neighbour filtering. The page's behaviour is tested in Chromium
 * (`tests/e2e/playground.test.ts`).
 */
import {
  GPT_IMAGE_MODEL_ALIASES,
  IMAGE_SIZES,
  IMAGE_STREAM_EVENT_TYPES,
  MAX_PARTIAL_IMAGES,
} from "@limner/contracts";
import { describe, expect, it } from "vitest";
import { playgroundRoutes } from "../src/routes/playground";

async function get(path: string): Promise<Response> {
  return playgroundRoutes.request(path);
}

/** `/playground/...` paths a text refers to: link/script URLs and relative module imports. */
function referencedAssets(text: string): string[] {
  const linked = [...text.matchAll(/(?:href|src)="(\/playground\/[^"]+)"/g)].map((m) => m[1] ?? "");
  const imported = [...text.matchAll(/from "\.\/([^"]+)"/g)].map((m) => `/playground/${m[1]}`);
  return [...linked, ...imported];
}

describe("the playground's assets", () => {
  it("serves the page and, transitively, every asset it references", async () => {
    const page = await get("/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const pending = referencedAssets(await page.text());
    expect(pending).toEqual(["/playground/styles.css", "/playground/app.js"]);
    const seen = new Set<string>();
    while (pending.length > 0) {
      const path = pending.pop() ?? "";
      if (seen.has(path)) continue;
      seen.add(path);
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type"), path).toMatch(
        path.endsWith(".css") ? /^text\/css/ : /^text\/javascript/,
      );
      const body = await response.text();
      expect(body, path).not.toMatch(/pixelated|crisp-edges/);
      pending.push(...referencedAssets(body));
    }
    expect([...seen].sort()).toEqual(
      [
        "api.js",
        "app.js",
        "generate.js",
        "history.js",
        "panels.js",
        "snippets.js",
        "styles.css",
        "ui.js",
        "wire.js",
      ].map((name) => `/playground/${name}`),
    );
  });

  it("generates wire.js from the contracts", async () => {
    const source = await (await get("/playground/wire.js")).text();
    const json = /^export const WIRE = Object\.freeze\((.*)\);\n$/s.exec(source)?.[1] ?? "";
    const wire = JSON.parse(json);
    expect(wire.events).toEqual(IMAGE_STREAM_EVENT_TYPES);
    expect(wire.gptImageAliases).toEqual(GPT_IMAGE_MODEL_ALIASES);
    expect(wire.families["dall-e"].sizes).toEqual(IMAGE_SIZES);
    expect(wire.families["dall-e"].maxPartialImages).toBe(0);
    expect(wire.families["gpt-image"].maxPartialImages).toBe(MAX_PARTIAL_IMAGES);
    expect(wire.n).toEqual({ min: 1, max: 4 });
  });

  it("answers 404 for an asset it does not have", async () => {
    expect((await get("/playground/nope.js")).status).toBe(404);
    expect((await get("/playground/constructor")).status).toBe(404);
  });
});
