/**
 * Issue 19, case 4: under `npm start`, one runtime crash took the whole stack down — 28 of 30
 * in-flight clients got a connection reset and D1 kept rows `running` forever. `npm start`
 * (scripts/start.ts, as a user runs it) serves 20 concurrent generations; its runtime is
 * SIGKILLed under them. The stack must stay up and answer every client over HTTP (a result, or
 * a retryable 503), restart the runtime (logged), serve again, and leave no row `running`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { randomApiKey } from "@limner/dev-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelsDirWith } from "../e2e/test-stack";
import { isRetryable, type Outcome, queryD1, sleep } from "./fault-helpers";
import { freePorts } from "./free-ports";

const ROOT = join(import.meta.dirname, "../..");
const stateDir = mkdtempSync(join(tmpdir(), "limner-npm-start-"));
const apiKey = randomApiKey();
const lines: string[] = [];
let start: ChildProcess;
let edgeUrl = "";

function waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      for (const line of lines) {
        const match = line.match(pattern);
        if (match) return resolve(match);
      }
      if (Date.now() > deadline)
        return reject(new Error(`no ${pattern} in:\n${lines.slice(-30).join("\n")}`));
      setTimeout(check, 100);
    };
    const deadline = Date.now() + timeoutMs;
    check();
  });
}

beforeAll(async () => {
  const [edgePort, runtimePort] = await freePorts(2);
  start = spawn(process.execPath, ["--import", "tsx", join(ROOT, "scripts/start.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      LIMNER_EDGE_PORT: String(edgePort),
      LIMNER_RUNTIME_PORT: String(runtimePort),
      LIMNER_DEV_KEY: apiKey,
      LIMNER_STATE_DIR: stateDir,
      LIMNER_MODELS_DIR: modelsDirWith(["tiny-sd"]),
      LIMNER_VERBOSE: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [start.stdout, start.stderr]) {
    if (stream) createInterface({ input: stream }).on("line", (line) => lines.push(line));
  }
  edgeUrl =
    (await waitForLine(/Edge \(OpenAI-compatible API\): (http:\/\/\S+)\/v1/, 170_000))[1] ?? "";
}, 180_000);

afterAll(async () => {
  if (start && start.exitCode === null) {
    const exited = new Promise((resolve) => start.once("exit", resolve));
    start.kill("SIGINT");
    await exited;
  }
});

async function generate(i: number): Promise<Outcome> {
  const sentAt = Date.now();
  try {
    const response = await fetch(`${edgeUrl}/v1/images/generations`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "tiny-sd",
        prompt: `a yellow cross ${i}`,
        steps: 6,
        upsample: false,
      }),
    });
    const text = await response.text();
    const error = response.ok
      ? undefined
      : (JSON.parse(text) as { error: { code: string; message: string } }).error;
    return {
      status: response.status,
      code: error?.code,
      message: error?.message,
      retryAfter: response.headers.get("retry-after"),
      text,
      at: Date.now() - sentAt,
      sentAt,
    };
  } catch (error) {
    return {
      status: 0,
      code: "transport",
      message: String(error),
      retryAfter: null,
      text: "",
      at: 0,
      sentAt,
    };
  }
}

describe("npm start when its runtime is SIGKILLed", () => {
  it("stays up, answers every client, restarts the runtime and leaves no row running", {
    timeout: 240_000,
  }, async () => {
    const pid = Number(
      (await waitForLine(/\[supervisor\] runtime started \(pid (\d+)\)/, 1000))[1],
    );
    const inFlight = Array.from({ length: 20 }, (_, i) => generate(i));
    await sleep(1500);
    process.kill(-pid, "SIGKILL");
    const outcomes = await Promise.all(inFlight);

    // Every client got an HTTP answer: a result, or a 503 it may retry.
    const bad = outcomes.filter((o) => o.status !== 200 && !isRetryable(o));
    expect(bad.map((o) => [o.status, o.code, o.message])).toEqual([]);
    expect(start.exitCode).toBeNull();
    await waitForLine(/\[supervisor\] runtime exited \(SIGKILL\); restart 1/, 5_000);

    // Back in service once the supervisor's restart is ready.
    let after = await generate(100);
    for (let i = 0; i < 60 && after.status !== 200; i++) {
      await sleep(1000);
      after = await generate(100 + i);
    }
    expect([after.status, after.message]).toEqual([200, undefined]);

    // Ctrl-C stops it cleanly; then its local D1 can be read (workerd holds it while it runs).
    const exited = new Promise<number | null>((resolve) => start.once("exit", resolve));
    start.kill("SIGINT");
    expect(await exited).toBe(0);

    const running = queryD1<{ n: number }>(
      stateDir,
      "SELECT COUNT(*) AS n FROM generations WHERE status = 'running'",
    );
    expect(running).toEqual([{ n: 0 }]);
    const settled = queryD1<{ status: string; n: number }>(
      stateDir,
      "SELECT status, COUNT(*) AS n FROM generations GROUP BY status ORDER BY status",
    );
    // A row is `succeeded` only for an answer the client got.
    const succeeded = settled.find((r) => r.status === "succeeded")?.n ?? 0;
    expect(succeeded).toBe(outcomes.filter((o) => o.status === 200).length + 1);
  });
});
