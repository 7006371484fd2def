/**
 * The playground page in a real browser (Debian's Chromium via playwright-core) against the real
 * edge and runtime: type a prompt, pick a size, generate, watch progress, see the image and the
 * revised prompt.
 */
import { type RunningStack, randomApiKey } from "@limner/dev-stack";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack } from "./test-stack";

let stack: RunningStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startTestStack(["tiny-sd"], { edgeVars: { LIMNER_DEFAULT_MODEL: "tiny-sd" } });
  // Flags as the machine's notes require: no sandbox as root, and no background networking,
  // which this offline machine refuses.
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("playground", () => {
  it("generates an image with live progress and shows the revised prompt", async () => {
    const page = await browser.newPage();
    const statuses: string[] = [];
    await page.exposeFunction("reportStatus", (text: string) => statuses.push(text));
    await page.goto(stack.edgeUrl);
    await page.evaluate(() => {
      const status = document.getElementById("status");
      if (!status) return;
      new MutationObserver(() =>
        (window as unknown as { reportStatus(t: string): void }).reportStatus(
          status.textContent ?? "",
        ),
      ).observe(status, { childList: true, characterData: true, subtree: true });
    });
    await page.fill("#key", stack.apiKey);
    await page.fill("#prompt", "a green triangle on the left");
    await page.selectOption("#size", "1792x1024");
    await page.click("#go");
    await page.waitForSelector("#image:not([hidden])[alt]", { timeout: 30_000 });
    await expect.poll(() => page.textContent("#status"), { timeout: 30_000 }).toBe("Done");
    expect(await page.textContent("#revised")).toBe("Revised prompt: a green triangle on the left");
    const size = await page.$eval("#image", (img) => [
      (img as HTMLImageElement).naturalWidth,
      (img as HTMLImageElement).naturalHeight,
    ]);
    expect(size).toEqual([1792, 1024]);
    expect(statuses.some((s) => /^Step \d+ of \d+$/.test(s))).toBe(true);
    expect(await page.textContent("#error")).toBe("");
  });

  it("shows the API's error for a wrong key", async () => {
    const page = await browser.newPage();
    await page.goto(stack.edgeUrl);
    await page.fill("#key", randomApiKey());
    await page.click("#go");
    await expect
      .poll(() => page.textContent("#error"), { timeout: 10_000 })
      .toMatch(/Incorrect API key/);
  });
});
