/**
 * Issue 19, case 5: the client's `x-request-id` used to be the runtime's de-duplication key
 * across all API keys — a second key choosing the same id got 502 "ended the stream without a
 * result", and so did a client retrying with its own id while the first attempt ran. Ids are
 * now scoped per key (the runtime sees a digest of key and id), and a repeat within a key is
 * answered from the first attempt.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../e2e/test-stack";
import { callEdge, FAULT_EDGE_SERVER, NO_LIMITS, runtimeCounter } from "./fault-helpers";

let stack: TestStack;
let otherKey: string;

beforeAll(async () => {
  stack = await startTestStack(["tiny-sd"], { edgeVars: NO_LIMITS, edgeServer: FAULT_EDGE_SERVER });
  const minted = await fetch(`${stack.edgeUrl}/admin/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ label: "second tenant" }),
  });
  otherKey = ((await minted.json()) as { key: string }).key;
});

afterAll(async () => {
  await stack?.stop();
});

const generated = () =>
  runtimeCounter(stack.runtimeUrl, "limner_requests_total", {
    procedure: "generate",
    outcome: "ok",
  });

const imagePath = (text: string) =>
  new URL((JSON.parse(text) as { data: { url: string }[] }).data[0]?.url ?? "").pathname;

describe("request ids", () => {
  it("are scoped per key: two keys sending the same id at once both get their own image", {
    timeout: 120_000,
  }, async () => {
    const id = `shared-${crypto.randomUUID()}`;
    const before = await generated();
    const [a, b] = await Promise.all(
      [stack.apiKey, otherKey].map((key, i) =>
        callEdge(stack, "/v1/images/generations", {
          key,
          headers: { "x-request-id": id },
          body: { prompt: i ? "a blue circle" : "a red square", steps: 8, upsample: false },
        }),
      ),
    );
    expect([a?.status, a?.message]).toEqual([200, undefined]);
    expect([b?.status, b?.message]).toEqual([200, undefined]);
    expect(imagePath(a?.text ?? "")).not.toBe(imagePath(b?.text ?? ""));
    expect((await generated()) - before).toBe(2);
  });

  it("within a key, concurrent repeats never fail and never generate twice", {
    timeout: 120_000,
  }, async () => {
    const id = `repeat-${crypto.randomUUID()}`;
    const body = { prompt: "a green star", steps: 8, upsample: false };
    const before = await generated();
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () =>
        callEdge(stack, "/v1/images/generations", { headers: { "x-request-id": id }, body }),
      ),
    );
    // One runs; the others are told it is running (409 + Retry-After, retried by openai-node
    // and the SDK) or, if it finished first, get its answer.
    for (const attempt of attempts) {
      expect([200, 409]).toContain(attempt.status);
      if (attempt.status === 409) {
        expect(attempt.code).toBe("request_in_progress");
        expect(Number(attempt.retryAfter)).toBeGreaterThan(0);
      }
    }
    const first = attempts.find((a) => a.status === 200);
    let retried = await callEdge(stack, "/v1/images/generations", {
      headers: { "x-request-id": id },
      body,
    });
    for (let i = 0; i < 60 && retried.status === 409; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      retried = await callEdge(stack, "/v1/images/generations", {
        headers: { "x-request-id": id },
        body,
      });
    }
    expect(retried.status).toBe(200);
    if (first) expect(imagePath(retried.text)).toBe(imagePath(first.text));
    expect((await generated()) - before).toBe(1);
  });
});
