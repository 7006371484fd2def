import { describe, expect, it } from "vitest";
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  Limner,
  NotFoundError,
  RateLimitError,
} from "../src/index";

type FetchCall = { url: string; init: RequestInit | undefined };

function fakeFetch(respond: (call: FetchCall) => Response | Promise<Response>) {
  const calls: FetchCall[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const call = { url: String(input), init };
    calls.push(call);
    return respond(call);
  }) as typeof fetch;
  return { calls, fetchImpl };
}

const envelope = (code: string, param: string | null = null) => ({
  error: { message: `boom: ${code}`, type: "invalid_request_error", param, code },
});

function json(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

describe("Limner client", () => {
  it("sends the key as a bearer token to baseURL and validates the answer", async () => {
    const { calls, fetchImpl } = fakeFetch(() =>
      json({
        object: "list",
        data: [{ id: "m", object: "model", created: 1, owned_by: "limner" }],
      }),
    );
    const limner = new Limner({ baseURL: "http://edge/v1/", apiKey: "lmn_x", fetch: fetchImpl });
    const list = await limner.models.list();
    expect(list.data[0]?.id).toBe("m");
    expect(calls[0]?.url).toBe("http://edge/v1/models");
    expect(new Headers(calls[0]?.init?.headers).get("authorization")).toBe("Bearer lmn_x");
  });

  it("url-encodes ids", async () => {
    const { calls, fetchImpl } = fakeFetch(() =>
      json({ id: "a/b", object: "model", created: 1, owned_by: "limner" }),
    );
    await new Limner({
      baseURL: "http://edge/v1",
      apiKey: "k",
      fetch: fetchImpl,
      maxRetries: 0,
    }).models.retrieve("a/b");
    expect(calls[0]?.url).toBe("http://edge/v1/models/a%2Fb");
  });

  it("refuses to start without a key", () => {
    expect(() => new Limner({ baseURL: "http://edge/v1", apiKey: "" })).toThrow(/apiKey/);
  });

  it.each([
    [400, BadRequestError],
    [401, AuthenticationError],
    [404, NotFoundError],
    [429, RateLimitError],
    [500, InternalServerError],
    [503, InternalServerError],
    [418, APIError],
  ])("maps status %i to the openai-node error class", async (status, ErrorClass) => {
    const { fetchImpl } = fakeFetch(() =>
      json(envelope("some_code", "model"), status, { "x-request-id": "req_123" }),
    );
    const limner = new Limner({
      baseURL: "http://edge/v1",
      apiKey: "k",
      fetch: fetchImpl,
      maxRetries: 0,
    });
    const error = await limner.models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toMatchObject({
      status,
      code: "some_code",
      param: "model",
      requestID: "req_123",
    });
    expect((error as Error).message).toBe(`${status} boom: some_code`);
  });

  it("keeps the status when the error body is not an envelope", async () => {
    const { fetchImpl } = fakeFetch(
      () => new Response("<html>bad gateway</html>", { status: 502 }),
    );
    const error = await new Limner({
      baseURL: "http://e/v1",
      apiKey: "k",
      fetch: fetchImpl,
      maxRetries: 0,
    }).models
      .list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toMatchObject({ status: 502, code: undefined });
  });

  it("reports an unreachable server as APIConnectionError", async () => {
    const { fetchImpl } = fakeFetch(() => Promise.reject(new TypeError("fetch failed")));
    const error = await new Limner({
      baseURL: "http://e/v1",
      apiKey: "k",
      fetch: fetchImpl,
      maxRetries: 0,
    }).models
      .list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect((error as APIConnectionError).cause).toBeInstanceOf(TypeError);
  });

  it("times out with APIConnectionTimeoutError", async () => {
    const { fetchImpl } = fakeFetch(
      ({ init }) =>
        new Promise((_, reject) =>
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
        ),
    );
    const limner = new Limner({
      baseURL: "http://e/v1",
      apiKey: "k",
      fetch: fetchImpl,
      timeout: 20,
      maxRetries: 0,
    });
    await expect(limner.models.list()).rejects.toBeInstanceOf(APIConnectionTimeoutError);
  });

  it("rejects a 200 whose body breaks the contract", async () => {
    const { fetchImpl } = fakeFetch(() => json({ object: "list", data: [{ id: 1 }] }));
    const error = await new Limner({
      baseURL: "http://e/v1",
      apiKey: "k",
      fetch: fetchImpl,
      maxRetries: 0,
    }).models
      .list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as Error).message).toMatch(/Unexpected response from \/models/);
  });
});
