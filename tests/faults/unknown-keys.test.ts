/**
 * Issue 19, case 3: every made-up `lmn_…` key used to create a Durable Object SQLite file
 * (~45 KB), unauthenticated. 1000 random keys against a running edge must leave its local state
 * (D1, R2, Durable Objects: every file under `--persist-to`) exactly as it was, and each is
 * answered 401 `invalid_api_key`. A real key still works, and a key minted after the flood
 * works at once (no negative answer is kept for a secret nobody presented before).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomApiKey } from "@limner/dev-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../e2e/test-stack";
import { callEdge, FAULT_EDGE_SERVER, NO_LIMITS, type Outcome, stateFiles } from "./fault-helpers";

let stack: TestStack;
const persistDir = mkdtempSync(join(tmpdir(), "limner-fault-state-"));

beforeAll(async () => {
  stack = await startTestStack(["limner-fixture"], {
    persistDir,
    edgeVars: { ...NO_LIMITS, LIMNER_DEFAULT_MODEL: "limner-fixture" },
    edgeServer: FAULT_EDGE_SERVER,
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe("made-up API keys", () => {
  it("cost nothing persistent: 1000 random keys leave the state unchanged", {
    timeout: 180_000,
  }, async () => {
    // The real key's own Durable Object exists before the count.
    expect((await callEdge(stack, "/v1/models", {})).status).toBe(200);
    const before = stateFiles(persistDir);

    const outcomes: Outcome[] = [];
    let next = 0;
    const worker = async () => {
      while (next < 1000) {
        next++;
        outcomes.push(await callEdge(stack, "/v1/models", { key: randomApiKey() }));
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(outcomes).toHaveLength(1000);
    expect(new Set(outcomes.map((o) => `${o.status} ${o.code}`))).toEqual(
      new Set(["401 invalid_api_key"]),
    );

    const after = stateFiles(persistDir);
    // SQLite's -wal/-shm companions come and go with checkpoints; databases do not.
    const databases = (paths: string[]) => paths.filter((p) => !/-(wal|shm)$/.test(p)).sort();
    expect(databases(after.paths)).toEqual(databases(before.paths));
    expect(databases(after.paths).length).toBeGreaterThan(0);
    // 1000 objects of ~45 KB each would be ~45 MB of new files.
    // D1's write-ahead log is reused after each checkpoint (capped near 4 MB by SQLite); the
    // databases themselves must not grow.
    const grown = databases(after.paths).map((p) => [
      p,
      (after.sizes.get(p) ?? 0) - (before.sizes.get(p) ?? 0),
    ]);
    expect(grown.filter(([, delta]) => Number(delta) > 64 * 1024)).toEqual([]);

    // The real key still passes, and a key minted now works on its first request.
    expect((await callEdge(stack, "/v1/models", {})).status).toBe(200);
    const minted = await fetch(`${stack.edgeUrl}/admin/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ label: "after the flood" }),
    });
    const { key } = (await minted.json()) as { key: string };
    expect((await callEdge(stack, "/v1/models", { key })).status).toBe(200);
  });
});
