import type { RuntimeModel, RuntimeStatus } from "@limner/contracts";
import { describe, expect, it } from "vitest";
import { createRuntimeApp } from "../src/server";
import type { RuntimeServices } from "../src/services";

const TOKEN = "service-token-0123456789";
const model: RuntimeModel = {
  id: "tiny",
  version: "1",
  description: "",
  capabilities: ["score"],
  buckets: [{ name: "square", width: 128, height: 128 }],
  created: 1,
};

function app(status: RuntimeStatus = "READY") {
  const services: RuntimeServices = {
    version: "9.9.9",
    startedAt: Date.now(),
    models: () => [model],
    status: () => status,
    queueDepth: () => 3,
    // The HTTP layer is under test here; procedures that do work are covered with real models.
    generate: () => Promise.reject(new Error("not used")),
    edit: () => Promise.reject(new Error("not used")),
    caption: () => Promise.reject(new Error("not used")),
    upsample: () => Promise.reject(new Error("not used")),
    score: () => Promise.reject(new Error("not used")),
  };
  return createRuntimeApp({ services, serviceToken: TOKEN });
}

const trpcData = async (response: Response) =>
  ((await response.json()) as { result: { data: unknown } }).result.data;

describe("runtime HTTP surface", () => {
  it("answers the Kubernetes probes", async () => {
    expect((await app().request("/healthz")).status).toBe(200);
    expect((await app("READY").request("/readyz")).status).toBe(200);
    expect((await app("STARTING").request("/readyz")).status).toBe(503);
    expect((await app("DRAINING").request("/readyz")).status).toBe(503);
  });

  it("serves health to anyone", async () => {
    const response = await app().request("/trpc/health");
    expect(response.status).toBe(200);
    expect(await trpcData(response)).toMatchObject({
      status: "READY",
      version: "9.9.9",
      queue_depth: 3,
      models: ["tiny"],
    });
  });

  it("serves models only with the exact service token", async () => {
    for (const authorization of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(1)}`,
      TOKEN,
    ]) {
      const headers: Record<string, string> = authorization ? { authorization } : {};
      const response = await app().request("/trpc/models", { headers });
      expect(response.status).toBe(401);
    }
    const response = await app().request("/trpc/models", {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(await trpcData(response)).toEqual([model]);
  });

  it("serves Prometheus metrics", async () => {
    const { Registry, Counter } = await import("prom-client");
    const registry = new Registry();
    new Counter({ name: "limner_test_total", help: "test", registers: [registry] }).inc();
    const services = { models: () => [], status: () => "READY" } as unknown as RuntimeServices;
    const response = await createRuntimeApp({
      services,
      serviceToken: TOKEN,
      metrics: registry,
    }).request("/metrics");
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("limner_test_total 1");
  });

  it("answers an unknown procedure with tRPC's NOT_FOUND", async () => {
    const response = await app().request("/trpc/nope", {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status).toBe(404);
  });
});
