/**
 * Issue 19, case 6: a non-streaming client that hung up still had every step computed and its
 * images stored as `succeeded`; a streaming one stopped the work but was counted as
 * INTERNAL_SERVER_ERROR and its row stayed `running`. Both kinds of client hang up mid-way:
 * the runtime's step counter must stop, the runtime must count a cancellation (not an error),
 * and the generation's row must end `failed` / `cancelled` — not `running`, not `succeeded`.
 *
 * The stack is the one `npm start` runs (`startStack`): clients reach the edge through the
 * front proxy (packages/dev-stack `front-proxy.ts`). Local workerd does not abort
 * `request.signal` when a non-streaming client hangs up (workerd PR #5062, workers-sdk issue
 * #6467); the proxy sees the close and calls the edge's internal cancel route, which aborts the
 * request's signal as Cloudflare does natively. A streaming client is noticed both ways.
 * `LIMNER_FAULT_EDGE_SERVER=wrangler-dev` runs it on `npm start`'s `wrangler dev` as well.
 */

import { mkdtempSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../e2e/test-stack";
import { FAULT_EDGE_SERVER, NO_LIMITS, queryD1, runtimeCounter, sleep } from "./fault-helpers";

let stack: TestStack;
const persistDir = mkdtempSync(join(tmpdir(), "limner-fault-state-"));
/** The most the API allows; with n = 4 one request is many seconds of work. */
const STEPS = 100;
// limner-mini, not tiny-sd: tiny-sd's steps take about 10 ms, so on a loaded machine a hang-up
// could reach the runtime after its 100th step (25-50 steps ran after one; CI once saw all 100).
// limner-mini's steps are slow enough that 4-5 run after the hang-up.
const MODEL = "limner-mini";

beforeAll(async () => {
  stack = await startTestStack([MODEL], {
    persistDir,
    edgeVars: NO_LIMITS,
    edgeServer: FAULT_EDGE_SERVER,
  });
  // What the test proves is about the public port, the proxy's, not workerd's own.
  expect(stack.edgeUrl).not.toBe(stack.workerdUrl);
});

afterAll(async () => {
  await stack?.stop();
});

const steps = () => runtimeCounter(stack.runtimeUrl, "limner_denoise_steps_total");
const cancelled = () =>
  runtimeCounter(stack.runtimeUrl, "limner_requests_total", {
    procedure: "generate",
    outcome: "cancelled",
  });

async function hangUpMidway(stream: boolean): Promise<string> {
  const requestId = `hangup-${stream ? "sse" : "json"}-${crypto.randomUUID()}`;
  const before = await steps();
  const body = JSON.stringify({
    model: MODEL,
    prompt: "a blue heart",
    steps: STEPS,
    n: 4,
    upsample: false,
    stream,
  });
  // A connection of its own, so hanging up closes exactly this request's socket.
  const request = httpRequest(`${stack.edgeUrl}/v1/images/generations`, {
    method: "POST",
    agent: false,
    headers: {
      authorization: `Bearer ${stack.apiKey}`,
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
      "x-request-id": requestId,
    },
  });
  let answered = "";
  request.on("response", (response) => {
    response.on("data", (chunk: Buffer) => {
      answered += chunk.toString("utf8");
    });
  });
  request.on("error", () => {});
  request.end(body);
  const started = Date.now();
  while ((await steps()) - before < 3 && Date.now() - started < 60_000) await sleep(100);
  expect((await steps()) - before).toBeGreaterThanOrEqual(3);
  request.destroy();
  // Hung up mid-way: no final answer had arrived.
  expect(answered).not.toContain("image_generation.completed");
  expect(answered).not.toContain('"data"');
  return requestId;
}

async function settledSteps(): Promise<number> {
  // The runtime checks its signal between steps; then the count must stay put.
  let last = await steps();
  for (let i = 0; i < 20; i++) {
    await sleep(1000);
    const now = await steps();
    if (now === last) return now;
    last = now;
  }
  return last;
}

describe("a client that hangs up", () => {
  it.each([false, true])(
    "stops the work and is recorded as cancelled (stream: %s)",
    {
      timeout: 120_000,
    },
    async (stream) => {
      const stepsBefore = await steps();
      const cancelledBefore = await cancelled();
      const requestId = await hangUpMidway(stream);
      const atRest = await settledSteps();
      await sleep(2000);
      expect(await steps()).toBe(atRest);
      expect(atRest - stepsBefore).toBeLessThan(STEPS);
      expect((await cancelled()) - cancelledBefore).toBe(1);
      expect(
        await runtimeCounter(stack.runtimeUrl, "limner_requests_total", {
          outcome: "INTERNAL_SERVER_ERROR",
        }),
      ).toBe(0);

      let rows: { status: string; error_code: string | null }[] = [];
      // The edge settles the row right after the abort; a loaded machine may take a while.
      for (let i = 0; i < 30; i++) {
        rows = queryD1(
          persistDir,
          `SELECT status, error_code FROM generations WHERE request_id = '${requestId}'`,
        );
        if (rows[0]?.status !== "running") break;
        await sleep(1000);
      }
      expect(rows).toEqual([{ status: "failed", error_code: "cancelled" }]);
    },
  );
});
