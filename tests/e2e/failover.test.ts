/**
 * Two runtimes behind the edge; one is SIGKILLed while 50 generations are in flight. No accepted
 * request may be lost or hang: each completes on the surviving runtime or fails fast with a
 * retryable status.
 */
import type { RunningStack } from "@limner/dev-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack } from "./test-stack";

// Long enough for one tiny-sd runtime to finish all 50 on a loaded 2-core machine (measured
// ~60-100 s there); a lost request never completes, however long the deadline.
const CLIENT_DEADLINE_MS = 240_000;
let stack: RunningStack;

beforeAll(async () => {
  stack = await startTestStack(["tiny-sd"], {
    runtimeCount: 2,
    // Per-key limits are tested elsewhere; here every request must reach the runtimes.
    edgeVars: {
      LIMNER_DEFAULT_MODEL: "tiny-sd",
      LIMIT_REQUESTS_PER_MINUTE: "1000",
      LIMIT_IMAGES_PER_MINUTE: "1000",
    },
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe("runtime failover", () => {
  it("loses no request when a runtime is killed during 50 concurrent generations", {
    timeout: 300_000,
  }, async () => {
    const started = Date.now();
    const requests = Array.from({ length: 50 }, (_, i) =>
      fetch(`${stack.edgeUrl}/v1/images/generations`, {
        method: "POST",
        headers: { authorization: `Bearer ${stack.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          prompt: `a red star number ${i}`,
          seed: i,
          steps: 4,
          upsample: false,
        }),
        signal: AbortSignal.timeout(CLIENT_DEADLINE_MS),
      }).then(async (response) => ({
        status: response.status,
        retryAfter: response.headers.get("retry-after"),
        body: (await response.json()) as { data?: { url: string }[]; error?: { code: string } },
        at: Date.now() - started,
      })),
    );
    // Kill the first runtime once work is flowing through both.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const victim = stack.runtimes[0]?.process.child.pid;
    if (victim === undefined) throw new Error("no runtime to kill");
    process.kill(-victim, "SIGKILL");

    const results = await Promise.all(requests);
    const ok = results.filter((r) => r.status === 200);
    const retryable = results.filter(
      (r) => (r.status === 429 || r.status === 503) && Number(r.retryAfter) > 0,
    );
    const other = results.filter((r) => !ok.includes(r) && !retryable.includes(r));
    expect(other.map((r) => [r.status, r.retryAfter, r.body.error?.code])).toEqual([]);
    expect(ok.length + retryable.length).toBe(50);
    expect(ok.length).toBeGreaterThan(0);
    for (const r of ok) expect(r.body.data?.[0]?.url).toMatch(/\/v1\/files\//);
    expect(Math.max(...results.map((r) => r.at))).toBeLessThan(CLIENT_DEADLINE_MS);

    // The edge keeps serving on the survivor (a client honouring Retry-After gets through).
    let after: Response | undefined;
    for (let attempt = 0; attempt < 3 && after?.status !== 200; attempt++) {
      if (after)
        await new Promise((resolve) =>
          setTimeout(resolve, 1000 * Number(after?.headers.get("retry-after") ?? 1)),
        );
      after = await fetch(`${stack.edgeUrl}/v1/images/generations`, {
        method: "POST",
        headers: { authorization: `Bearer ${stack.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ prompt: "a blue circle", steps: 2 }),
      });
    }
    expect(after?.status).toBe(200);
  });
});
