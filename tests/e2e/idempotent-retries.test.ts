/**
 * A retry never generates twice: the edge answers a repeated `x-request-id` from the
 * generation it already ran (or waits for the one it is running), and the SDK sends one id on
 * every retry.
 */
import { Limner } from "@limner/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "./test-stack";

let stack: TestStack;
let limner: Limner;

beforeAll(async () => {
  stack = await startTestStack(["tiny-sd"], {
    edgeVars: { LIMNER_DEFAULT_MODEL: "tiny-sd", LIMIT_REQUESTS_PER_MINUTE: "1000" },
  });
  limner = new Limner({ baseURL: `${stack.edgeUrl}/v1`, apiKey: stack.apiKey });
});

afterAll(async () => {
  await stack?.stop();
});

function generate(requestId: string, body: Record<string, unknown>) {
  return fetch(`${stack.edgeUrl}/v1/images/generations`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${stack.apiKey}`,
      "content-type": "application/json",
      "x-request-id": requestId,
    },
    body: JSON.stringify({ steps: 2, upsample: false, ...body }),
  });
}

interface Answer {
  created: number;
  data: { url?: string; b64_json?: string }[];
  limner: { seed: number };
}

describe("repeated request ids", () => {
  it("replay the finished generation instead of running it again", async () => {
    const id = `retry-${crypto.randomUUID()}`;
    const first = (await (await generate(id, { prompt: "a red square", n: 2 })).json()) as Answer;
    const again = (await (await generate(id, { prompt: "a red square", n: 2 })).json()) as Answer;
    // Same stored files (the signature may differ), same random seed: nothing ran twice.
    const path = (a: Answer) => a.data.map((d) => new URL(d.url ?? "").pathname);
    expect(path(again)).toEqual(path(first));
    expect(again.limner.seed).toBe(first.limner.seed);

    const reused = await generate(id, { prompt: "a blue circle", n: 2 });
    expect(reused.status).toBe(400);
    expect(((await reused.json()) as { error: { code: string } }).error.code).toBe(
      "request_id_reused",
    );
  });

  it("a retry while the first attempt runs waits for it and answers with its result", {
    timeout: 240_000,
  }, async () => {
    const id = `slow-${crypto.randomUUID()}`;
    const body = { prompt: "a green star", steps: 60, response_format: "b64_json" };
    const running = await generate(id, { ...body, stream: true });
    const reader = running.body?.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!seen.includes("limner.progress")) seen += (await reader?.read())?.value ?? "";

    // Sent while the first attempt is mid-way: no 409, no second generation — the first one's image.
    const retried = await limner.images.generate(
      { prompt: "a green star", steps: 60, upsample: false, response_format: "b64_json" },
      { requestId: id, maxRetries: 0 },
    );
    while (!(await reader?.read())?.done) {}
    const replayed = (await (await generate(id, body)).json()) as Answer;
    expect(retried.data[0]?.b64_json).toBe(replayed.data[0]?.b64_json);
    expect(retried.limner?.seed).toBe(replayed.limner.seed);
  });

  it("keeps one id across the SDK's own calls when given", async () => {
    const requestId = `sdk-${crypto.randomUUID()}`;
    const params = { prompt: "a yellow cross", steps: 2, upsample: false } as const;
    const a = await limner.images.generate(params, { requestId });
    const b = await limner.images.generate(params, { requestId });
    expect(new URL(b.data[0]?.url ?? "").pathname).toBe(new URL(a.data[0]?.url ?? "").pathname);
  });
});
