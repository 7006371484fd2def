/**
 * The foundation end to end: SDK → edge on workerd (local D1) → tRPC → runtime process and back,
 * plus the edge's error envelope for every class of bad request.
 */
import { randomApiKey } from "@limner/dev-stack";
import type { RuntimeRouter } from "@limner/gpu-runtime/router";
import { AuthenticationError, Limner, NotFoundError } from "@limner/sdk";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "./test-stack";

let stack: TestStack;
let limner: Limner;

beforeAll(async () => {
  stack = await startTestStack(["limner-fixture"]);
  limner = new Limner({ baseURL: `${stack.edgeUrl}/v1`, apiKey: stack.apiKey });
});

afterAll(async () => {
  await stack?.stop();
});

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${stack.edgeUrl}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${stack.apiKey}`,
      "content-type": "application/json",
      ...headers,
    },
    body,
  });
}

async function expectEnvelope(
  response: Response,
  status: number,
  code: string,
  param: string | null = null,
) {
  if (response.status !== status)
    throw new Error(`expected ${status}, got ${response.status}: ${await response.clone().text()}`);
  expect(response.status).toBe(status);
  expect(response.headers.get("x-request-id")).toMatch(/\S{8,}/);
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(body).toEqual({
    error: { message: expect.any(String), type: expect.any(String), param, code },
  });
  return body.error;
}

describe("a request crosses SDK → edge → tRPC → runtime", () => {
  it("lists the runtime's models through the SDK", async () => {
    const list = await limner.models.list();
    expect(list.object).toBe("list");
    expect(list.data.map((m) => m.id)).toEqual(["limner-fixture"]);
    expect(list.data[0]).toMatchObject({
      object: "model",
      owned_by: "limner",
      capabilities: ["score"],
    });
  });

  it("retrieves one model and reports a missing one as NotFoundError with the request id", async () => {
    await expect(limner.models.retrieve("limner-fixture")).resolves.toMatchObject({
      id: "limner-fixture",
    });
    const error = await limner.models.retrieve("nope").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: "model_not_found", param: "model" });
    expect((error as NotFoundError).requestID).toMatch(/^req_/);
  });

  it("keeps a well-formed client request id", async () => {
    const response = await fetch(`${stack.edgeUrl}/v1/models`, {
      headers: { authorization: `Bearer ${stack.apiKey}`, "x-request-id": "client-trace-1234" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("client-trace-1234");
  });

  it("reports readiness from the runtime's health procedure", async () => {
    const response = await fetch(`${stack.edgeUrl}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: "ready",
      runtime: { status: "READY", models: ["limner-fixture"], queue_depth: 0 },
    });
  });
});

describe("authentication", () => {
  it("rejects a missing key", async () => {
    await expectEnvelope(await fetch(`${stack.edgeUrl}/v1/models`), 401, "missing_api_key");
  });

  it("rejects an unknown key through the SDK as AuthenticationError", async () => {
    const stranger = new Limner({ baseURL: `${stack.edgeUrl}/v1`, apiKey: randomApiKey() });
    const error = await stranger.models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({
      status: 401,
      code: "invalid_api_key",
      type: "authentication_error",
    });
  });

  it("rejects a malformed key", async () => {
    const response = await fetch(`${stack.edgeUrl}/v1/models`, {
      headers: { authorization: "Bearer sk-123" },
    });
    await expectEnvelope(response, 401, "invalid_api_key");
  });
});

describe("bad requests get OpenAI's envelope", () => {
  it("unknown route → 404 unknown_url", async () => {
    const response = await fetch(`${stack.edgeUrl}/v1/nothing-here`, {
      headers: { authorization: `Bearer ${stack.apiKey}` },
    });
    const error = await expectEnvelope(response, 404, "unknown_url");
    expect(error.message).toContain("/v1/nothing-here");
  });

  it("malformed JSON → 400 invalid_json", async () => {
    await expectEnvelope(
      await post("/v1/images/generations", '{"prompt": "a red'),
      400,
      "invalid_json",
    );
  });

  it("an OpenAI field Limner does not support → 400 naming the field", async () => {
    const response = await post(
      "/v1/images/generations",
      JSON.stringify({ prompt: "a red star", background: "transparent" }),
    );
    const error = await expectEnvelope(response, 400, "unsupported_parameter", "background");
    expect(error.message).toContain("background");
  });

  it("an unknown field → 400 unknown_parameter", async () => {
    const response = await post(
      "/v1/images/generations",
      JSON.stringify({ prompt: "a red star", colour: "red" }),
    );
    await expectEnvelope(response, 400, "unknown_parameter", "colour");
  });

  it("a bad size → 400 naming size", async () => {
    const response = await post(
      "/v1/images/generations",
      JSON.stringify({ prompt: "a red star", size: "10x10" }),
    );
    await expectEnvelope(response, 400, "invalid_value", "size");
  });

  it("a prompt over 4000 characters → 400 string_above_max_length", async () => {
    const response = await post(
      "/v1/images/generations",
      JSON.stringify({ prompt: "x".repeat(4001) }),
    );
    await expectEnvelope(response, 400, "string_above_max_length", "prompt");
  });

  it("a body over the limit → 413, chunked too", async () => {
    const big = JSON.stringify({ prompt: "a", user: "x".repeat(2 * 1024 * 1024) });
    await expectEnvelope(await post("/v1/images/generations", big), 413, "payload_too_large");
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const response = await fetch(`${stack.edgeUrl}/v1/images/generations`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.apiKey}`, "content-type": "application/json" },
      body: chunked,
      duplex: "half",
    } as RequestInit);
    await expectEnvelope(response, 413, "payload_too_large");
  });

  it("a model that cannot generate → 400 on model, after the runtime was asked", async () => {
    const response = await post(
      "/v1/images/generations",
      JSON.stringify({ prompt: "a red star", model: "limner-fixture" }),
    );
    await expectEnvelope(response, 400, "unsupported_value", "model");
    const missing = await post(
      "/v1/images/generations",
      JSON.stringify({ prompt: "a red star", model: "nope" }),
    );
    await expectEnvelope(missing, 404, "model_not_found", "model");
  });

  it("keeps serving after all of the above", async () => {
    await expect(limner.models.list()).resolves.toMatchObject({ object: "list" });
  });
});

describe("the runtime", () => {
  const runtimeClient = (token: string) =>
    createTRPCClient<RuntimeRouter>({
      links: [
        httpLink({
          url: `${stack.runtimeUrl}/trpc`,
          headers: { authorization: `Bearer ${token}` },
        }),
      ],
    });

  it("answers health to anyone and models only to the edge's service token", async () => {
    await expect(runtimeClient("wrong-token-wrong-token").health.query()).resolves.toMatchObject({
      status: "READY",
    });
    const error = await runtimeClient("wrong-token-wrong-token")
      .models.query()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<RuntimeRouter>).data?.code).toBe("UNAUTHORIZED");
    const models = await runtimeClient(stack.serviceToken).models.query();
    expect(models.map((m) => m.id)).toEqual(["limner-fixture"]);
  });

  it("never writes the API key or the service token to the logs", () => {
    const logs = stack.logs.join("\n");
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(stack.apiKey);
    expect(logs).not.toContain(stack.serviceToken);
    expect(logs).not.toContain(stack.adminToken);
  });

  it("when it is gone, the edge answers 503 no_runtime_available with Retry-After", async () => {
    await stack.runtime.stop();
    const response = await fetch(`${stack.edgeUrl}/v1/models`, {
      headers: { authorization: `Bearer ${stack.apiKey}` },
    });
    await expectEnvelope(response, 503, "no_runtime_available");
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
