/**
 * Issue 19, case 5: the client's `x-request-id` used to be the runtime's de-duplication key
 * across all API keys — a second key choosing the same id got 502 "ended the stream without a
 * result", and so did a client retrying with its own id while the first attempt ran. Ids are
 * now scoped per key (the runtime sees a digest of key and id), and a repeat within a key is
 * answered from the first attempt.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../e2e/test-stack";
import { callEdge, FAULT_EDGE_SERVER, NO_LIMITS, queryD1, runtimeCounter } from "./fault-helpers";

let stack: TestStack;
let otherKey: string;
const persistDir = mkdtempSync(join(tmpdir(), "limner-fault-state-"));

beforeAll(async () => {
  stack = await startTestStack(["tiny-sd"], {
    persistDir,
    edgeVars: NO_LIMITS,
    edgeServer: FAULT_EDGE_SERVER,
  });
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
    // One runs; the others wait for it and answer with its image.
    expect(attempts.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(attempts.map((a) => imagePath(a.text))).size).toBe(1);
    expect((await generated()) - before).toBe(1);
  });

  interface Row {
    id: string;
    key_id: string;
    model: string;
    size: string;
    status: string;
    error_code: string | null;
  }
  const rowsOf = (requestId: string) =>
    queryD1<Row>(
      persistDir,
      `SELECT id, key_id, model, size, status, error_code FROM generations
       WHERE request_id = '${requestId}' ORDER BY created_at`,
    );

  /**
   * Leaves a `running` row for `requestId` as an edge invocation that died mid-generation (a
   * restart, a `wrangler dev` reload) leaves it: nothing will finish it or stamp its heartbeat.
   */
  function plantRunningRow(
    requestId: string,
    like: Row,
    body: { prompt: string },
    beatAgoMs: number,
  ) {
    const now = Date.now();
    queryD1(
      persistDir,
      `INSERT INTO generations (id, key_id, request_id, model, prompt, size, n, status, created_at, heartbeat_at)
       VALUES ('gen_planted_${crypto.randomUUID()}', '${like.key_id}', '${requestId}', '${like.model}',
               '${body.prompt}', '${like.size}', 1, 'running', ${now - beatAgoMs}, ${now - beatAgoMs})`,
    );
  }

  it("a retry whose earlier attempt's edge died runs the request at once, or after a short wait if it just died", {
    timeout: 180_000,
  }, async () => {
    const body = { prompt: "a cyan ring", steps: 4, upsample: false };
    const probe = `probe-${crypto.randomUUID()}`;
    expect(
      (
        await callEdge(stack, "/v1/images/generations", {
          headers: { "x-request-id": probe },
          body,
        })
      ).status,
    ).toBe(200);
    const [like] = rowsOf(probe);
    if (!like) throw new Error("the probe's generation left no row");

    // Died a minute ago: its heartbeat is long stale, so the retry runs it without waiting.
    const dead = `dead-${crypto.randomUUID()}`;
    plantRunningRow(dead, like, body, 60_000);
    const retried = await callEdge(stack, "/v1/images/generations", {
      headers: { "x-request-id": dead },
      body,
    });
    expect(retried.status).toBe(200);
    expect(rowsOf(dead).map((r) => [r.status, r.error_code])).toEqual([
      ["failed", "abandoned"],
      ["succeeded", null],
    ]);

    // Died just now: its heartbeat looks alive, so the retry waits for it — no 409 — and takes
    // over once the heartbeat has gone stale (10 s).
    const justDied = `just-died-${crypto.randomUUID()}`;
    plantRunningRow(justDied, like, body, 0);
    const waited = await callEdge(stack, "/v1/images/generations", {
      headers: { "x-request-id": justDied },
      body,
    });
    expect(waited.status).toBe(200);
    expect(waited.at).toBeGreaterThanOrEqual(5_000);
    expect(rowsOf(justDied).map((r) => r.status)).toEqual(["failed", "succeeded"]);
  });
});
