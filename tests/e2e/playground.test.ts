/**
 * The playground in a real browser (Debian's Chromium via playwright-core) against the real edge
 * and runtime serving the committed limner-mini bundle. One page is driven through a session a
 * user would have, in order: generate with a fixed seed while progress arrives, watch previews
 * with a gpt-image model, cancel a long generation, reuse a seed from a result (same bytes),
 * copy the settings as curl and run it, caption an upload, edit with a painted mask. What the
 * page shows is checked on screenshots (decoded with sharp), not only in the DOM.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { randomApiKey } from "@limner/dev-stack";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser";
import { meanDifference, pixelSpread, rgbPixels } from "./screenshot-pixels";
import { startTestStack, type TestStack } from "./test-stack";

const run = promisify(execFile);
const GENERATION_TIMEOUT = 120_000;

let stack: TestStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
/** Status lines and preview sources as the page showed them (a MutationObserver reports them). */
const statuses: string[] = [];
const previews: string[] = [];
/** Screenshots land here; LIMNER_E2E_SCREENSHOTS keeps them somewhere to look at. */
const shots = process.env.LIMNER_E2E_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), "limner-pg-"));
let firstImage = "";

beforeAll(async () => {
  // limner-mini (trained) generates and captions; tiny-limner (random weights, with a VAE
  // encoder) edits, which is all the mask check needs.
  stack = await startTestStack(["limner-mini", "tiny-limner"], {
    edgeVars: {
      LIMNER_DEFAULT_MODEL: "limner-mini",
      LIMIT_REQUESTS_PER_MINUTE: "1000",
      LIMIT_IMAGES_PER_MINUTE: "1000",
    },
  });
  browser = await launchChromium();
  mkdirSync(shots, { recursive: true });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.exposeFunction("reportStatus", (text: string) => statuses.push(text));
  await page.exposeFunction("reportPreview", (src: string) => previews.push(src));
  await page.addInitScript(() => {
    const report = window as unknown as {
      reportStatus(t: string): void;
      reportPreview(s: string): void;
    };
    new MutationObserver((records) => {
      for (const record of records) {
        const target = record.target as Element;
        const status = document.getElementById("status");
        if (status && (target === status || status.contains(target)))
          report.reportStatus(status.textContent ?? "");
        if (
          target instanceof HTMLImageElement &&
          target.closest("#live") &&
          record.attributeName === "src"
        )
          report.reportPreview(target.src.slice(0, 64));
      }
    }).observe(document, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ["src"],
    });
  });
});

// A test that failed with the code dialog open must not block the next one's clicks.
afterEach(async () => {
  await page?.evaluate(() => document.querySelector<HTMLDialogElement>("#code-dialog")?.close());
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function shot(name: string, selector: string): Promise<Buffer> {
  const png = await page.locator(selector).first().screenshot();
  writeFileSync(join(shots, `${name}.png`), png);
  return png;
}

/** The bytes behind a result card's image (an object URL), as base64. */
async function resultBytes(nth = 0): Promise<string> {
  return page.evaluate(async (index) => {
    const img = document.querySelectorAll<HTMLImageElement>("figure.result:not(#live) img")[index];
    if (!img) throw new Error("no result image");
    const blob = await (await fetch(img.src)).blob();
    const url = await new Promise<string>((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.readAsDataURL(blob);
    });
    return url.slice(url.indexOf(",") + 1);
  }, nth);
}

async function settle(expected: string | RegExp): Promise<void> {
  await expect
    .poll(() => page.textContent("#status"), { timeout: GENERATION_TIMEOUT })
    .toMatch(expected);
  await expect.poll(() => page.isDisabled("#go")).toBe(false);
}

async function setSettings(settings: Record<string, string>): Promise<void> {
  for (const [id, value] of Object.entries(settings)) {
    const tag = await page.$eval(`#${id}`, (el) => el.tagName);
    if (tag === "SELECT") await page.selectOption(`#${id}`, value);
    else await page.fill(`#${id}`, value);
  }
}

describe("playground", () => {
  it("shows the API's error for a wrong key, then lists the models with the right one", async () => {
    await page.goto(stack.edgeUrl);
    await page.waitForSelector("body[data-ready]");
    await page.fill("#key", randomApiKey());
    await page.press("#key", "Tab");
    await expect.poll(() => page.textContent("#error")).toMatch(/Incorrect API key/);
    await page.fill("#key", stack.apiKey);
    await page.press("#key", "Tab");
    await expect
      .poll(() =>
        page.$$eval("#model option", (options) => options.map((o) => o.getAttribute("value"))),
      )
      .toEqual(expect.arrayContaining(["", "limner-mini", "dall-e-3", "gpt-image-1"]));
    expect(await page.textContent("#error")).toBe("");
    // The key outlives a reload (this browser's storage, as before).
    await page.reload();
    await page.waitForSelector("body[data-ready]");
    expect(await page.inputValue("#key")).toBe(stack.apiKey);
  });

  it("generates with a fixed seed, with live progress, and keeps the result in the history", async () => {
    const empty = await shot("empty", "#output");
    await setSettings({
      model: "limner-mini",
      prompt: "a red circle above a blue square",
      negative: "green",
      size: "1024x1024",
      quality: "standard",
      n: "1",
      seed: "1234",
      steps: "12",
      guidance: "4",
      decoder: "vae",
    });
    await page.uncheck("#upsample");
    statuses.length = 0;
    await page.click("#go");
    await settle("Done");
    expect(statuses.some((s) => /^Step \d+ of 12$/.test(s))).toBe(true);
    expect(await page.textContent("#error")).toBe("");

    const card = page.locator("figure.result").first();
    expect(await card.getAttribute("data-seed")).toBe("1234");
    expect(await card.locator("button.seed").textContent()).toBe("seed 1234");
    expect(await card.locator(".revised").textContent()).toBe("a red circle above a blue square");
    const img = card.locator("img");
    expect(await img.evaluate((el) => getComputedStyle(el).imageRendering)).toBe("auto");
    expect(
      await img.evaluate((el) => [
        (el as HTMLImageElement).naturalWidth,
        (el as HTMLImageElement).naturalHeight,
      ]),
    ).toEqual([1024, 1024]);
    firstImage = await resultBytes();

    // On screen: a picture, not a flat box, and not the empty state.
    const shown = await shot("result", "figure.result img");
    expect(await pixelSpread(shown)).toBeGreaterThan(8);
    const output = await shot("output", "#output");
    expect(await meanDifference(empty, output)).toBeGreaterThan(5);

    // The gallery shows a thumbnail of it.
    await expect.poll(() => page.locator("#history .thumb").count()).toBe(1);
    expect(await page.textContent("#history-count")).toBe("1");
    const thumb = await shot("thumbnail", "#history .thumb img");
    expect(await pixelSpread(thumb)).toBeGreaterThan(8);
    expect(await page.locator("figure.result a[download]").getAttribute("download")).toBe(
      "limner-1234.png",
    );
  });

  it("cancels a long generation and stays usable", async () => {
    await setSettings({ seed: "", steps: "100", n: "4", size: "1792x1024" });
    statuses.length = 0;
    await page.click("#go");
    await expect
      .poll(() => statuses.some((s) => s.startsWith("Step ")), { timeout: GENERATION_TIMEOUT })
      .toBe(true);
    await page.click("#cancel");
    await settle("Cancelled");
    expect(await page.textContent("#error")).toBe("");
    expect(await page.isDisabled("#cancel")).toBe(true);
    expect(await page.locator("#live").count()).toBe(0);
    expect(await page.locator("#history .thumb").count()).toBe(1);
    await shot("cancelled", "body");
  });

  it("reuses a seed from a result: the same settings give the same bytes", async () => {
    await page.locator("#history .thumb").first().click();
    await expect.poll(() => page.inputValue("#prompt")).toBe("a red circle above a blue square");
    await setSettings({ seed: "", steps: "12", n: "1", size: "1024x1024" });
    await page.locator("figure.result button.seed").first().click();
    expect(await page.inputValue("#seed")).toBe("1234");
    await page.click("#go");
    await settle("Done");
    expect(await resultBytes()).toBe(firstImage);
    await expect.poll(() => page.locator("#history .thumb").count()).toBe(2);
    await shot("history", "body");
  });

  it("copies the settings as curl that reproduces the image, and as openai code", async () => {
    await page.click("#copy-curl");
    const curl = await page.inputValue("#code-text");
    expect(curl).toContain(`${stack.edgeUrl}/v1/images/generations`);
    const { stdout } = await run("bash", ["-c", curl], {
      env: { ...process.env, LIMNER_API_KEY: stack.apiKey },
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(stdout.slice(0, 80)).toMatch(/^\{/);
    const body = JSON.parse(stdout) as { data: { b64_json: string }[] };
    expect(body.data[0]?.b64_json).toBe(firstImage);
    await page.click("#code-close");
    await page.click("#copy-python");
    const python = await page.inputValue("#code-text");
    expect(python).toContain(`base_url="${stack.edgeUrl}/v1"`);
    expect(python).toContain('extra_body={"seed": 1234, "negative_prompt": "green", "steps": 12');
    await page.click("#code-close");
    await page.click("#copy-js");
    expect(await page.inputValue("#code-text")).toContain("seed: 1234,");
    await page.click("#code-close");
  });

  it("streams partial images as previews with a gpt-image model", async () => {
    await setSettings({ model: "gpt-image-1" });
    expect(await page.isVisible("#partial-images-field")).toBe(true);
    await setSettings({
      size: "1536x1024",
      quality: "low",
      "partial-images": "2",
      seed: "7",
      steps: "30",
    });
    previews.length = 0;
    await page.click("#go");
    // A preview on screen is a picture in the live card.
    await page.waitForSelector("#live img:not([hidden])", { timeout: GENERATION_TIMEOUT });
    const preview = await shot("preview", "#live");
    expect(await pixelSpread(preview)).toBeGreaterThan(4);
    await settle("Done");
    expect(await page.textContent("#error")).toBe("");
    expect(previews.filter((src) => src.startsWith("data:image/")).length).toBe(2);
    expect(await page.locator("figure.result").first().getAttribute("data-seed")).toBe("7");
  });

  it("captions an uploaded image", async () => {
    const file = join(shots, "upload.png");
    writeFileSync(file, Buffer.from(firstImage, "base64"));
    await page.click("#tab-caption");
    await page.setInputFiles("#caption-image", file);
    await page.selectOption("#caption-detail", "short");
    await page.click("#caption-go");
    await shot("caption-panel", "aside");
    await expect
      .poll(() => page.textContent("#caption-output"), { timeout: GENERATION_TIMEOUT })
      .toMatch(/^(?!Captioning).+/);
    expect(await page.textContent("#error")).toBe("");
    await page.click("#caption-use");
    expect(await page.inputValue("#prompt")).toBe(await page.textContent("#caption-output"));
    expect(await page.isVisible("#form")).toBe(true);
  });

  it("edits an image inside a painted mask only", async () => {
    const file = join(shots, "upload.png");
    await page.click("#tab-edit");
    await page.setInputFiles("#edit-image", file);
    await page.waitForSelector("#mask-canvas:not([hidden])");
    // Paint the left half's middle band (in screen pixels over the scaled canvas).
    const box = await page.locator("#mask-canvas").boundingBox();
    if (!box) throw new Error("the mask canvas is not on screen");
    await page.fill("#brush", "30");
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5, { steps: 8 });
    await page.mouse.up();
    expect(await page.textContent("#mask-info")).toMatch(/Painted mask/);
    await shot("mask", "#mask-stage");
    await page.fill("#edit-prompt", "a green triangle");
    await page.selectOption("#edit-model", "tiny-limner");
    await page.click("#edit-go");
    await expect
      .poll(() => page.isDisabled("#edit-go"), { timeout: GENERATION_TIMEOUT })
      .toBe(false);
    expect(await page.textContent("#error")).toBe("");
    expect(await page.textContent("#status")).toBe("Done");
    const edited = await rgbPixels(Buffer.from(await resultBytes(), "base64"));
    const input = await rgbPixels(Buffer.from(firstImage, "base64"));
    expect([edited.width, edited.height]).toEqual([input.width, input.height]);
    // Outside the painted band the input's pixels are kept; inside they changed.
    const diff = (x0: number, x1: number, y0: number, y1: number) => {
      let total = 0;
      let count = 0;
      for (let y = Math.floor(y0 * input.height); y < y1 * input.height; y++)
        for (let x = Math.floor(x0 * input.width); x < x1 * input.width; x++)
          for (let c = 0; c < 3; c++) {
            const i = (y * input.width + x) * 3 + c;
            total += Math.abs((edited.data[i] ?? 0) - (input.data[i] ?? 0));
            count++;
          }
      return total / count;
    };
    expect(diff(0.6, 1, 0, 1)).toBeLessThan(1);
    expect(diff(0.15, 0.35, 0.47, 0.53)).toBeGreaterThan(3);
    await shot("edited", "body");
  });

  it("raised no script errors", () => {
    expect(pageErrors).toEqual([]);
  });
});
