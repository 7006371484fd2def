import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { EdgeEnv } from "../src/env";
import { bodyLimit } from "../src/middleware/body-limit";

/** Two limits in a row, as `app.ts` has for image endpoints: one before the key check, one after. */
function twoLimits(first: number, second: number) {
  let reads = 0;
  const app = new Hono<EdgeEnv>();
  app.use(bodyLimit({ maxBytes: first }));
  app.use(async (_c, next) => {
    reads++;
    await next();
  });
  app.use(bodyLimit({ maxBytes: second }));
  app.post("/", async (c) => c.text(await c.req.text()));
  app.onError((error, c) => c.text(error.message, 413));
  return { app, reads: () => reads };
}

describe("bodyLimit", () => {
  it("buffers the body once and hands it on whole", async () => {
    const { app } = twoLimits(10, 10);
    const response = await app.request("/", { method: "POST", body: "0123456789" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("0123456789");
  });

  it("holds an already buffered body to the later, smaller limit", async () => {
    const { app } = twoLimits(10, 5);
    const response = await app.request("/", { method: "POST", body: "0123456789" });
    expect(response.status).toBe(413);
    expect(await response.text()).toBe("Request bodies are limited to 5 bytes.");
  });

  it("refuses a body over the first limit before anything after it runs", async () => {
    const { app, reads } = twoLimits(5, 10);
    const response = await app.request("/", { method: "POST", body: "0123456789" });
    expect(response.status).toBe(413);
    expect(reads()).toBe(0);
  });

  it("answers 408 to a body that trickles in slower than its deadline", async () => {
    const app = new Hono<EdgeEnv>();
    app.use(bodyLimit({ maxBytes: 1000, timeoutMs: 200 }));
    app.post("/", (c) => c.text("read"));
    app.onError((error, c) => c.text(error.message, 408));
    let timer: ReturnType<typeof setInterval> | undefined;
    const slow = new ReadableStream<Uint8Array>({
      start(controller) {
        timer = setInterval(() => controller.enqueue(new Uint8Array([120])), 50);
      },
      cancel() {
        clearInterval(timer);
      },
    });
    const started = Date.now();
    const response = await app.request("/", {
      method: "POST",
      body: slow,
      duplex: "half",
    } as RequestInit);
    clearInterval(timer);
    expect(response.status).toBe(408);
    expect(await response.text()).toBe("The request body did not arrive within 0.2 s.");
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
