/// <reference types="node" />
/**
 * The key's `KeyAuthority` on real workerd: the deploy bundle on Miniflare with in-memory D1 and
 * Durable Objects, driven through the worker's HTTP API. Requests go to a `/v1` path with no
 * route, so one the key's authority admits ends in 404 `unknown_url` — no runtime is needed to
 * tell "admitted" from "refused".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../src/keys/api-key-store";
import { NEGATIVE_TTL_MS } from "../src/keys/key-existence";
import { type EdgeOnMiniflare, startEdgeOnMiniflare } from "./edge-on-miniflare";

const REQUESTS_PER_MINUTE = 20;

let edge: EdgeOnMiniflare;
let miniflare: EdgeOnMiniflare["miniflare"];

beforeAll(async () => {
  // The runtime is never called: see the module comment.
  edge = await startEdgeOnMiniflare({ LIMIT_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE) });
  miniflare = edge.miniflare;
}, 60_000);

afterAll(async () => {
  await edge?.dispose();
});

const admin = (method: string, path: string, body?: unknown) => edge.admin(method, path, body);
const mint = (limits: Record<string, number> = {}) => edge.mint(limits);

/** One `/v1` request: its status, error code and requests quota. */
async function call(key: string) {
  const response = await miniflare.dispatchFetch("http://edge/v1/no-such-route", {
    headers: { authorization: `Bearer ${key}` },
  });
  const body = (await response.json()) as { error: { code: string } };
  return {
    status: response.status,
    code: body.error.code,
    limit: response.headers.get("x-ratelimit-limit-requests"),
    remaining: response.headers.get("x-ratelimit-remaining-requests"),
  };
}

const ADMITTED = { status: 404, code: "unknown_url" };

describe("KeyAuthority", () => {
  it("admits a minted key", async () => {
    const { key } = await mint();
    expect(await call(key)).toMatchObject(ADMITTED);
  });

  it("refuses a revoked key on the very next request, though it remembered the key", async () => {
    const { id, key } = await mint();
    const burst = await Promise.all(Array.from({ length: 5 }, () => call(key)));
    expect(burst.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
    expect((await admin("DELETE", `/admin/keys/${id}`)).status).toBe(200);
    expect(await call(key)).toMatchObject({ status: 401, code: "key_revoked" });
    expect(await call(key)).toMatchObject({ status: 401, code: "key_revoked" });
    // Revoking again is still a notice to the authority, and changes nothing.
    expect((await admin("DELETE", `/admin/keys/${id}`)).status).toBe(200);
    expect(await call(key)).toMatchObject({ status: 401, code: "key_revoked" });
  });

  it("keeps an unknown key's refusal only briefly: a key stored later works seconds later", {
    timeout: 20_000,
  }, async () => {
    const key = `lmn_${"k".repeat(40)}`;
    expect(await call(key)).toMatchObject({ status: 401, code: "invalid_api_key" });
    const db = await miniflare.getD1Database("DB");
    await db
      .prepare(
        "INSERT INTO api_keys (id, prefix, key_hash, label, created_at) VALUES (?, ?, ?, ?, ?)",
      )
      .bind("key_imported", key.slice(0, 8), await sha256Hex(key), "imported", Date.now())
      .run();
    // The refusal is remembered (no D1 read, no Durable Object) for NEGATIVE_TTL_MS…
    expect(await call(key)).toMatchObject({ status: 401, code: "invalid_api_key" });
    await new Promise((resolve) => setTimeout(resolve, NEGATIVE_TTL_MS + 500));
    // …then the key is looked up again.
    expect(await call(key)).toMatchObject(ADMITTED);
  });

  it("enforces each key's own limit, and the default for keys without one", async () => {
    const own = await mint({ requests_per_minute: 2 });
    const other = await mint();
    expect(await call(own.key)).toMatchObject({ ...ADMITTED, limit: "2", remaining: "1" });
    expect(await call(own.key)).toMatchObject({ ...ADMITTED, limit: "2", remaining: "0" });
    expect(await call(own.key)).toMatchObject({ status: 429, code: "rate_limit_exceeded" });
    expect(await call(other.key)).toMatchObject({
      ...ADMITTED,
      limit: String(REQUESTS_PER_MINUTE),
      remaining: String(REQUESTS_PER_MINUTE - 1),
    });
  });

  it("records the key's last use after answering", async () => {
    const { id, key } = await mint();
    await call(key);
    let lastUsedAt: unknown = null;
    for (let attempt = 0; attempt < 20 && lastUsedAt === null; attempt++) {
      const { body } = await admin("GET", "/admin/keys");
      lastUsedAt = (body.data as { id: string; last_used_at: unknown }[]).find(
        (k) => k.id === id,
      )?.last_used_at;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(lastUsedAt).toEqual(expect.any(Number));
  });
});
