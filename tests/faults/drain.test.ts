/**
 * Issue 19, case 2: draining used to cover generations only. A SIGTERMed runtime kept taking
 * captions and then closed its inference pool under them (502s naming `POOL_CLOSED` and ONNX
 * session names). Two runtimes; one is SIGTERMed during mixed generate + caption + upsample
 * load. Every request must succeed — refused work goes to the other runtime, accepted work
 * finishes — and the drained runtime must exit cleanly. (80 requests: enough that the drain
 * lands with calls of every kind in flight on it, few enough for a loaded CI machine.)
 */
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../e2e/test-stack";
import { callEdge, FAULT_EDGE_SERVER, NO_LIMITS, type Outcome, sleep } from "./fault-helpers";

let stack: TestStack;
let png: string;

beforeAll(async () => {
  stack = await startTestStack(["tiny-sd", "limner-mini"], {
    runtimeCount: 2,
    edgeVars: NO_LIMITS,
    edgeServer: FAULT_EDGE_SERVER,
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128"><rect width="128" height="128" fill="#f0f0f0"/><circle cx="64" cy="64" r="30" fill="#e02020"/></svg>`;
  png = (await sharp(Buffer.from(svg)).png().toBuffer()).toString("base64");
});

afterAll(async () => {
  await stack?.stop();
});

describe("SIGTERM during mixed load", () => {
  it("fails nothing: captions, upsampling and generations all finish or move", {
    timeout: 300_000,
  }, async () => {
    const [victim] = stack.runtimes;
    if (!victim) throw new Error("no runtime");
    const kinds = ["caption", "caption", "upsample", "generate"] as const;
    const call = (k: number): Promise<Outcome & { kind: string }> => {
      const kind = kinds[k % kinds.length] ?? "caption";
      const request =
        kind === "caption"
          ? callEdge(stack, "/v1/images/captions", {
              body: { image: png, model: "limner-mini", detail: k % 2 ? "short" : "descriptive" },
            })
          : kind === "upsample"
            ? callEdge(stack, "/v1/prompts/upsample", {
                body: { prompt: `a red circle and ${k % 4} blue squares`, model: "limner-mini" },
              })
            : callEdge(stack, "/v1/images/generations", {
                body: { prompt: `a green heart ${k}`, seed: k, steps: 2, upsample: false },
              });
      return request.then((outcome) => ({ ...outcome, kind }));
    };
    const outcomes: (Outcome & { kind: string })[] = [];
    let next = 0;
    const TOTAL = 80;
    const worker = async () => {
      while (next < TOTAL) outcomes.push(await call(next++));
    };
    const exited = new Promise<number | null>((resolve) =>
      victim.process.child.once("exit", (code) => resolve(code)),
    );
    const workers = Array.from({ length: 8 }, worker);
    while (next < 16) await sleep(50);
    const pid = victim.process.child.pid;
    if (pid === undefined) throw new Error("runtime-1 has no pid");
    process.kill(pid, "SIGTERM");
    await Promise.all(workers);

    const failures = outcomes.filter((o) => o.status !== 200);
    expect(failures.map((o) => [o.kind, o.status, o.code, o.message])).toEqual([]);
    expect(outcomes).toHaveLength(TOTAL);
    expect(outcomes.filter((o) => o.kind === "caption").length).toBe(TOTAL / 2);
    expect(await exited).toBe(0);
    const drained = stack.logs.filter((l) => l.startsWith("[runtime-1]"));
    expect(drained.some((l) => l.includes("received SIGTERM: draining"))).toBe(true);
    expect(drained.join("\n")).not.toMatch(/POOL_CLOSED|UNKNOWN_SESSION|shutdown failed/);
  });
});
