/**
 * Issue 19, case 7: a 1 MB `size` came back whole in a 1 MB error; runtime errors carried stack
 * traces with absolute paths unless NODE_ENV=production; decode errors quoted libvips/libpng.
 * This stack runs with NODE_ENV=test (vitest's), the setting that used to leak. Every answer
 * below is checked for echoed bulk, stack frames, file paths, internal URLs and library text.
 */
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../e2e/test-stack";
import { callEdge, FAULT_EDGE_SERVER, NO_LIMITS, type Outcome } from "./fault-helpers";

let stack: TestStack;
let corruptPng: string;

beforeAll(async () => {
  expect(process.env.NODE_ENV).not.toBe("production");
  stack = await startTestStack(["tiny-sd", "limner-mini"], {
    edgeVars: NO_LIMITS,
    edgeServer: FAULT_EDGE_SERVER,
  });
  // A valid PNG signature and header (the edge's check passes), then garbage pixel data.
  const png = await sharp({
    create: { width: 96, height: 96, channels: 3, background: { r: 200, g: 30, b: 30 } },
  })
    .png({ compressionLevel: 0 })
    .toBuffer();
  for (let i = 60; i < png.length - 20; i += 7) png[i] = (png[i] ?? 0) ^ 0x5a;
  corruptPng = png.toString("base64");
});

afterAll(async () => {
  await stack?.stop();
});

function expectClean(outcome: Outcome): void {
  const runtimePorts = stack.runtimes.map((r) => new URL(r.url).port);
  expect(outcome.text.length).toBeLessThan(2_000);
  expect(outcome.text).not.toMatch(/\s+at\s+\S+\s+\(|node_modules|\/work\/|\/home\/|\/tmp\//);
  expect(outcome.text).not.toMatch(/vips|libpng|sharp|onnx|POOL_CLOSED|UNKNOWN_SESSION|"stack"/i);
  for (const port of runtimePorts) expect(outcome.text).not.toContain(`:${port}`);
}

describe("error answers", () => {
  it("truncate what they echo: a 1 MB size and a 1 MB field name", async () => {
    const huge = "x".repeat(1024 * 1024 - 100);
    const size = await callEdge(stack, "/v1/images/generations", {
      body: { prompt: "a red star", size: huge },
    });
    expect(size.status).toBe(400);
    expect(size.code).toBeDefined();
    expectClean(size);
    const field = await callEdge(stack, "/v1/images/generations", {
      body: { prompt: "a red star", [huge]: 1 },
    });
    expect(field.status).toBe(400);
    expectClean(field);
  });

  it("say an undecodable image is undecodable, without the decoder's text", async () => {
    const caption = await callEdge(stack, "/v1/images/captions", {
      body: { image: corruptPng, model: "limner-mini" },
    });
    expect(caption.status).toBe(400);
    // Refused by the header check or by the decoder: either way in the runtime's own words.
    expect(caption.message).toMatch(
      /^The (image could not be decoded|bytes are not a readable image \(truncated or not PNG\/JPEG\/WebP\))\.$/,
    );
    expectClean(caption);
  });

  it("from the runtime itself carry no stack trace, whatever NODE_ENV", async () => {
    const response = await fetch(`${stack.runtimeUrl}/trpc/caption`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${stack.serviceToken}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ model: "limner-mini", image: corruptPng, detail: "short" }),
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text).toMatch(/could not be decoded|not a readable image/);
    expect(text).not.toMatch(/"stack"|\/work\/|node_modules|vips|libpng/);
    // The detail is in the runtime's log, not lost.
    expect(
      stack.logs.some((l) => l.startsWith("[runtime]") && l.includes('"procedure":"caption"')),
    ).toBe(true);
    const unknown = await fetch(`${stack.runtimeUrl}/trpc/nope`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.serviceToken}` },
    });
    expect(await unknown.text()).not.toMatch(/"stack"|\/work\//);
  });
});
