/**
 * Retries, request ids, streaming and aborts against a real HTTP server on a free port: each
 * test scripts the answers the server gives, attempt by attempt.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retryDelayMs } from "../src/core/retry";
import { APIConnectionError, APIUserAbortError, Limner, RateLimitError } from "../src/index";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let baseURL: string;
let script: Handler[] = [];
const seen: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    const next = script.shift();
    if (next) next(req, res);
    else res.writeHead(599).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

function run(handlers: Handler[]) {
  script = handlers;
  seen.length = 0;
}

const MODELS = { object: "list", data: [{ id: "m", object: "model", created: 1, owned_by: "x" }] };
const ok: Handler = (_req, res) =>
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(MODELS));
const status =
  (code: number, headers: Record<string, string> = {}): Handler =>
  (_req, res) =>
    res
      .writeHead(code, { "content-type": "application/json", ...headers })
      .end(JSON.stringify({ error: { message: "nope", type: "t", param: null, code: "c" } }));

const client = (options: { maxRetries?: number } = {}) =>
  new Limner({ baseURL, apiKey: "lmn_test", ...options });

describe("retries", () => {
  it("retries 429 and 5xx, honouring retry-after(-ms), with one request id on every attempt", async () => {
    // The server asks for longer waits than the SDK's own backoff would take (at most 500 ms,
    // then 1 s), so the gaps it sees prove the SDK waited as asked. Only lower bounds: a loaded
    // machine can make a wait longer, never shorter.
    const arrivals: number[] = [];
    const timed =
      (handler: Handler): Handler =>
      (req, res) => {
        arrivals.push(performance.now());
        handler(req, res);
      };
    run([
      timed(status(429, { "retry-after-ms": "700" })),
      timed(status(503, { "retry-after": "2" })),
      timed(ok),
    ]);
    expect((await client().models.list()).data[0]?.id).toBe("m");
    const [first = 0, second = 0, third = 0] = arrivals;
    expect(second - first).toBeGreaterThanOrEqual(690);
    expect(third - second).toBeGreaterThanOrEqual(1990);
    const ids = seen.map((r) => r.headers["x-request-id"]);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^req_[0-9a-f-]{36}$/);
  });

  it("stops after maxRetries and throws the last status's class", async () => {
    run([status(429, { "retry-after-ms": "1" }), status(429, { "retry-after-ms": "1" })]);
    const error = await client({ maxRetries: 1 })
      .models.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(seen).toHaveLength(2);
  });

  it("obeys x-should-retry both ways", async () => {
    run([status(400, { "x-should-retry": "true", "retry-after-ms": "1" }), ok]);
    await client().models.list();
    expect(seen).toHaveLength(2);
    run([status(500, { "x-should-retry": "false" })]);
    await expect(client().models.list()).rejects.toMatchObject({ status: 500 });
    expect(seen).toHaveLength(1);
  });

  it("does not retry a 400", async () => {
    run([status(400), ok]);
    await expect(client().models.list()).rejects.toMatchObject({ status: 400, code: "c" });
    expect(seen).toHaveLength(1);
  });

  it("retries connection errors and reports the last one", async () => {
    run([(req) => req.socket.destroy(), ok]);
    expect((await client().models.list()).object).toBe("list");
    const dead = new Limner({ baseURL: "http://127.0.0.1:1/v1", apiKey: "k", maxRetries: 1 });
    await expect(dead.models.list()).rejects.toBeInstanceOf(APIConnectionError);
  });

  it("backs off exponentially with jitter when the server names no delay", () => {
    expect(retryDelayMs(0, undefined, () => 0)).toBe(500);
    expect(retryDelayMs(2, undefined, () => 0)).toBe(2000);
    expect(retryDelayMs(9, undefined, () => 0)).toBe(8000);
    expect(retryDelayMs(1, undefined, () => 1)).toBe(750);
    const date = new Headers({ "retry-after": new Date(10_000).toUTCString() });
    expect(retryDelayMs(0, date, () => 0, 4_000)).toBe(6_000);
    expect(retryDelayMs(3, new Headers({ "retry-after-ms": "10" }), () => 0)).toBe(10);
    expect(retryDelayMs(3, new Headers({ "retry-after": "0" }), () => 0)).toBe(0);
    expect(retryDelayMs(0, new Headers({ "retry-after": "61" }), () => 0)).toBe(500);
  });
});

describe("streaming and aborts", () => {
  const sse: Handler = (_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "x-request-id": "req_stream1" });
    const image = {
      created_at: 1,
      size: "1024x1024",
      quality: "standard",
      background: "opaque",
      output_format: "png",
    };
    res.write('event: limner.queued\ndata: {"type":"limner.queued","position":0}\n\n');
    res.write('event: limner.future\ndata: {"type":"limner.future"}\n\n');
    for (const step of [1, 2]) {
      res.write(
        `event: limner.progress\ndata: ${JSON.stringify({ type: "limner.progress", step, total_steps: 2 })}\n\n`,
      );
    }
    const done = {
      type: "image_generation.completed",
      b64_json: "QUJD",
      revised_prompt: "r",
      ...image,
    };
    res.end(`event: image_generation.completed\ndata: ${JSON.stringify(done)}\n\n`);
  };

  it("parses typed events, skips unknown ones and assembles the final result", async () => {
    run([sse]);
    const stream = await client().images.generate({ prompt: "p", stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual([
      "limner.queued",
      "limner.progress",
      "limner.progress",
      "image_generation.completed",
    ]);
    expect(await stream.finalResult()).toEqual({
      created: 1,
      data: [{ b64_json: "QUJD", revised_prompt: "r" }],
    });
    expect(stream.requestID).toBe("req_stream1");
  });

  it("turns an error event into the envelope's error class", async () => {
    run([
      (_req, res) => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        const envelope = {
          error: { message: "busy", type: "t", param: null, code: "rate_limit_exceeded" },
        };
        res.end(`event: error\ndata: ${JSON.stringify(envelope)}\n\n`);
      },
    ]);
    const stream = await client().images.generate({ prompt: "p", stream: true });
    await expect(stream.finalResult()).rejects.toBeInstanceOf(RateLimitError);
  });

  it("cancels with the caller's AbortSignal, also while waiting to retry", async () => {
    run([(_req, _res) => {}]);
    const controller = new AbortController();
    const pending = client().models.list({ signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toBeInstanceOf(APIUserAbortError);

    run([status(503, { "retry-after-ms": "5000" })]);
    const again = new AbortController();
    const waiting = client().models.list({ signal: again.signal });
    setTimeout(() => again.abort(), 100);
    const started = Date.now();
    await expect(waiting).rejects.toBeInstanceOf(APIUserAbortError);
    expect(Date.now() - started).toBeLessThan(4_000); // far sooner than the 5 s it was told to wait
    expect(seen).toHaveLength(1);
  });
});
