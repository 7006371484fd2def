import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import type { EdgeBindings } from "../src/config";
import { ConnectionRegistry, connections } from "../src/connections/connection-registry";
import type { EdgeEnv } from "../src/env";
import { clientSignal } from "../src/middleware/client-signal";

const SERVICE_TOKEN = "0123456789abcdef";
const env = {
  RUNTIME_URLS: "http://127.0.0.1:9",
  RUNTIME_SERVICE_TOKEN: SERVICE_TOKEN,
  FILES_SIGNING_KEY: "k".repeat(32),
} as unknown as EdgeBindings;

/** A handler that waits until its client is gone (or 2 s), and says which. */
function waitingApp(registry: ConnectionRegistry) {
  return new Hono<EdgeEnv>()
    .use(clientSignal(registry))
    .get("/wait", async (c) => {
      const signal = c.var.signal;
      const aborted = await new Promise<boolean>((resolve) => {
        if (signal.aborted) resolve(true);
        signal.addEventListener("abort", () => resolve(true), { once: true });
        setTimeout(() => resolve(false), 2000);
      });
      return c.json({ aborted });
    })
    .get("/events", (c) =>
      streamSSE(c, async (stream) => {
        await stream.writeSSE({ data: "one" });
        await stream.sleep(50);
        await stream.writeSSE({ data: "two" });
      }),
    );
}

const connection = (id: string) => ({ headers: { "x-limner-connection-id": id } });

describe("clientSignal", () => {
  it("aborts c.var.signal when the connection is cancelled", async () => {
    const registry = new ConnectionRegistry();
    const app = waitingApp(registry);
    const answer = app.request("/wait", connection("conn-aaaaaaaa"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(registry.cancel("conn-aaaaaaaa")).toBe(true);
    expect(await (await answer).json()).toEqual({ aborted: true });
    expect(registry.size).toBe(0);
  });

  it("honours a cancel that arrived before its request", async () => {
    const registry = new ConnectionRegistry();
    expect(registry.cancel("conn-early-01")).toBe(false);
    const answer = await waitingApp(registry).request("/wait", connection("conn-early-01"));
    expect(await answer.json()).toEqual({ aborted: true });
  });

  it("forgets early cancels after a minute", async () => {
    let now = 0;
    const registry = new ConnectionRegistry(() => now);
    registry.cancel("conn-stale-01");
    now = 61_000;
    const registration = registry.register("conn-stale-01");
    expect(registration?.signal.aborted).toBe(false);
  });

  it("leaves other connections and requests without an id alone", async () => {
    const registry = new ConnectionRegistry();
    const app = waitingApp(registry);
    const mine = app.request("/wait", connection("conn-mine-001"));
    const noId = app.request("/wait");
    await new Promise((resolve) => setTimeout(resolve, 20));
    registry.cancel("conn-other-01");
    registry.cancel("conn-mine-001");
    expect(await (await mine).json()).toEqual({ aborted: true });
    expect(await (await noId).json()).toEqual({ aborted: false });
  }, 10_000);

  it("keeps a stream's registration until the stream ends", async () => {
    const registry = new ConnectionRegistry();
    const response = await waitingApp(registry).request("/events", connection("conn-sse-0001"));
    expect(registry.size).toBe(1);
    const text = await response.text();
    expect(text).toContain("data: one");
    expect(text).toContain("data: two");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(registry.size).toBe(0);
  });

  it("is bounded", () => {
    const registry = new ConnectionRegistry(Date.now, 2);
    expect(registry.register("conn-0000001")).toBeDefined();
    expect(registry.register("conn-0000002")).toBeDefined();
    expect(registry.register("conn-0000003")).toBeUndefined();
    // An id in use is not registered twice.
    const other = new ConnectionRegistry();
    expect(other.register("conn-dup-0001")).toBeDefined();
    expect(other.register("conn-dup-0001")).toBeUndefined();
  });
});

describe("POST /internal/connections/:id/cancel", () => {
  const app = createApp();
  const cancel = (id: string, authorization?: string) =>
    app.request(
      `/internal/connections/${id}/cancel`,
      { method: "POST", headers: authorization ? { authorization } : {} },
      env,
    );

  it("refuses callers without the service token, in the OpenAI envelope", async () => {
    const missing = await cancel("conn-aaaaaaaa");
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe(
      "missing_api_key",
    );
    const wrong = await cancel("conn-aaaaaaaa", "Bearer not-the-token");
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe(
      "invalid_api_key",
    );
  });

  it("cancels the registered request, and answers 204 for any id", async () => {
    const registration = connections.register("conn-route-01");
    const answer = await cancel("conn-route-01", `Bearer ${SERVICE_TOKEN}`);
    expect(answer.status).toBe(204);
    // The abort runs in the registering request's own turn, right after.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(registration?.signal.aborted).toBe(true);
    expect((await cancel("conn-nobody-1", `Bearer ${SERVICE_TOKEN}`)).status).toBe(204);
  });
});
