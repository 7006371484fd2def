/**
 * Issue 19, case 8: a 20 s slow body was held to completion, with no key. A client trickling a
 * request body to the edge (no key: image bodies are read before the key check) is answered
 * 408 `request_timeout` once the body deadline passes; a client trickling request headers to a
 * runtime, or to the edge's public port (the one-box front proxy), has its connection closed by
 * that server's header timeout. None can hold a connection for as long as it likes.
 */
import { connect, type Socket } from "node:net";
import { HEADERS_TIMEOUT_MS } from "@limner/dev-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../e2e/test-stack";
import { FAULT_EDGE_SERVER, NO_LIMITS } from "./fault-helpers";

let stack: TestStack;
/** The edge's body deadline for a 1 MiB JSON limit (`bodyLimit`: 10 s + 1 s per MiB). */
const EDGE_BODY_DEADLINE_MS = 11_000;
/** The front proxy's header deadline (`HEADERS_TIMEOUT_MS`). */
const PROXY_HEADERS_TIMEOUT_MS = HEADERS_TIMEOUT_MS;
/** The runtime's default `LIMNER_HEADERS_TIMEOUT_MS`. */
const RUNTIME_HEADERS_TIMEOUT_MS = 10_000;

beforeAll(async () => {
  stack = await startTestStack(["limner-fixture"], {
    edgeVars: { ...NO_LIMITS, LIMNER_DEFAULT_MODEL: "limner-fixture" },
    edgeServer: FAULT_EDGE_SERVER,
  });
});

afterAll(async () => {
  await stack?.stop();
});

/** Writes `head` at once, then one byte of `drip` a second; resolves with what came back. */
function trickle(url: string, head: string, drip: string) {
  const { hostname, port } = new URL(url);
  return new Promise<{ answer: string; closedAfterMs: number }>((resolve) => {
    const started = Date.now();
    const socket: Socket = connect(Number(port), hostname);
    let answer = "";
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < drip.length && !socket.destroyed) socket.write(drip[sent++] ?? "");
    }, 1000);
    const done = () => {
      clearInterval(timer);
      resolve({ answer, closedAfterMs: Date.now() - started });
    };
    socket.on("connect", () => socket.write(head));
    socket.on("data", (chunk) => {
      answer += chunk.toString("utf8");
      // An answer is enough: the server need not wait for the rest of the trickle.
      if (answer.includes("\r\n\r\n") && answer.includes("}")) socket.destroy();
    });
    socket.on("close", done);
    socket.on("error", () => {});
  });
}

describe("slow clients", () => {
  it("get 408 from the edge when a keyless body trickles in", { timeout: 60_000 }, async () => {
    const body = JSON.stringify({ prompt: "a red star", size: "1024x1024" }).padEnd(200, " ");
    const { answer, closedAfterMs } = await trickle(
      stack.edgeUrl,
      `POST /v1/images/generations HTTP/1.1\r\nHost: edge\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"code":"request_timeout"');
    // Held for the deadline, not for the 200 s the trickle would take.
    expect(closedAfterMs).toBeGreaterThanOrEqual(EDGE_BODY_DEADLINE_MS - 1000);
    expect(closedAfterMs).toBeLessThan(EDGE_BODY_DEADLINE_MS + 10_000);
  });

  it("are cut off at the edge's public port when headers trickle in", {
    timeout: 60_000,
  }, async () => {
    // The one-box front proxy owns that port (packages/dev-stack front-proxy.ts).
    const { answer, closedAfterMs } = await trickle(
      stack.edgeUrl,
      "GET /healthz HTTP/1.1\r\nHost: edge\r\n",
      "X-Slow: ".padEnd(200, "a"),
    );
    expect(answer).not.toContain("200 OK");
    expect(closedAfterMs).toBeGreaterThanOrEqual(PROXY_HEADERS_TIMEOUT_MS - 1000);
    expect(closedAfterMs).toBeLessThan(PROXY_HEADERS_TIMEOUT_MS + 5_000);
  });

  it("are cut off by the runtime when headers trickle in", { timeout: 60_000 }, async () => {
    const { answer, closedAfterMs } = await trickle(
      stack.runtimeUrl,
      "GET /healthz HTTP/1.1\r\nHost: runtime\r\n",
      "X-Slow: ".padEnd(200, "a"),
    );
    expect(answer).not.toContain("200 OK");
    expect(closedAfterMs).toBeGreaterThanOrEqual(RUNTIME_HEADERS_TIMEOUT_MS - 1000);
    expect(closedAfterMs).toBeLessThan(RUNTIME_HEADERS_TIMEOUT_MS + 5_000);
  });
});
