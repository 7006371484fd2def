/**
 * Issue 19, case 1: a runtime that restarts used to answer 404 `model_not_found` for seconds
 * (its list is empty while it loads, and the edge cached that list). Two supervised runtimes
 * behind the edge; one is SIGKILLed under a steady burst of generations, the supervisor starts it
 * again on the same port, and the burst goes on until the restarted runtime has served work.
 * No client may see anything but success: not the kill, not the restart.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../e2e/test-stack";
import {
  callEdge,
  FAULT_EDGE_SERVER,
  NO_LIMITS,
  type Outcome,
  runtimeCounter,
  sleep,
} from "./fault-helpers";

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack(["tiny-sd"], {
    runtimeCount: 2,
    superviseRuntimes: true,
    edgeVars: NO_LIMITS,
    edgeServer: FAULT_EDGE_SERVER,
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe("a runtime restart under load", () => {
  it("is invisible to clients: every generation succeeds, the restarted runtime serves again", {
    timeout: 240_000,
  }, async () => {
    const [victim, survivor] = stack.runtimes;
    if (!victim || !survivor) throw new Error("two runtimes expected");
    const outcomes: Outcome[] = [];
    let running = true;
    let i = 0;
    const worker = async () => {
      while (running) {
        const n = i++;
        outcomes.push(
          await callEdge(stack, "/v1/images/generations", {
            body: { prompt: `a red star number ${n}`, seed: n, steps: 2, upsample: false },
          }),
        );
      }
    };
    const workers = Array.from({ length: 6 }, worker);

    // Kill once work is flowing through both (a few answers in, more in flight).
    const flowing = Date.now() + 60_000;
    while (outcomes.length < 3 && Date.now() < flowing) await sleep(100);
    const beforeKill = outcomes.length;
    const restarted = victim.nextReady();
    const killedAt = Date.now();
    const pid = victim.process.child.pid;
    if (pid === undefined) throw new Error("runtime-1 has no pid");
    process.kill(-pid, "SIGKILL");
    await restarted;
    // Keep the burst going until the restarted process (a new one: its counters start at zero)
    // has served work and enough requests were sent after the kill to cover the restart; a
    // fixed count of answers would race the machine's speed.
    const sentAfterKill = () => outcomes.filter((o) => o.sentAt >= killedAt).length;
    const deadline = Date.now() + 90_000;
    while (
      ((await runtimeCounter(victim.url, "limner_requests_total", {
        procedure: "generate",
        outcome: "ok",
      })) < 3 ||
        sentAfterKill() < 10) &&
      Date.now() < deadline
    ) {
      await sleep(250);
    }
    running = false;
    await Promise.all(workers);

    const failures = outcomes.filter((o) => o.status !== 200);
    expect(
      failures.map((o) => [
        o.status,
        o.code,
        o.message ?? o.text.slice(0, 300),
        o.sentAt - killedAt,
        o.at,
      ]),
    ).toEqual([]);
    expect(victim.restarts).toBe(1);
    expect(beforeKill).toBeGreaterThan(0);
    expect(sentAfterKill()).toBeGreaterThanOrEqual(10);
    expect(
      await runtimeCounter(victim.url, "limner_requests_total", {
        procedure: "generate",
        outcome: "ok",
      }),
    ).toBeGreaterThanOrEqual(3);
    expect(stack.logs.some((l) => /\[supervisor\] runtime-1 exited \(SIGKILL\)/.test(l))).toBe(
      true,
    );
  });
});
