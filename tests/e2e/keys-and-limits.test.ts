/**
 * Key management and per-key limits end to end, on real workerd with local D1 and Durable
 * Objects: the admin API and the `limner` CLI mint, list and revoke keys; the key's
 * KeyAuthority Durable Object admits exactly its limit under 200 concurrent requests.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { RunningStack } from "@limner/dev-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack } from "./test-stack";

const CLI_MAIN = join(import.meta.dirname, "../../packages/cli/src/main.ts");
const REQUESTS_PER_MINUTE = 50;
let stack: RunningStack;

beforeAll(async () => {
  stack = await startTestStack(["limner-fixture"], {
    edgeVars: { LIMIT_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE) },
  });
});

afterAll(async () => {
  await stack?.stop();
});

interface MintedKey {
  id: string;
  key: string;
  prefix: string;
  label: string;
  scopes: string[];
  created_at: number;
}

function admin(method: string, path: string, body?: unknown, token = stack.adminToken) {
  return fetch(`${stack.edgeUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function mint(body: Record<string, unknown>): Promise<MintedKey> {
  const response = await admin("POST", "/admin/keys", body);
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as MintedKey;
}

function models(key: string) {
  return fetch(`${stack.edgeUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
}

function generate(key: string, n: number) {
  return fetch(`${stack.edgeUrl}/v1/images/generations`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ prompt: "a red square", n }),
  });
}

async function errorCode(response: Response): Promise<unknown> {
  const body = (await response.json()) as { error: { code: unknown } };
  return body.error.code;
}

describe("admin API", () => {
  it("refuses a missing, wrong or API-key token in OpenAI's envelope", async () => {
    const missing = await fetch(`${stack.edgeUrl}/admin/keys`);
    expect(missing.status).toBe(401);
    expect(await errorCode(missing)).toBe("missing_api_key");
    const wrong = await admin("GET", "/admin/keys", undefined, "x".repeat(43));
    expect(wrong.status).toBe(401);
    expect(await errorCode(wrong)).toBe("invalid_api_key");
    const apiKey = await admin("GET", "/admin/keys", undefined, stack.apiKey);
    expect(apiKey.status).toBe(401);
  });

  it("mints a key that works, with the secret shown once", async () => {
    const minted = await mint({ label: "e2e app" });
    expect(minted).toMatchObject({
      id: expect.stringMatching(/^key_/),
      label: "e2e app",
      scopes: ["images"],
      prefix: minted.key.slice(0, 8),
    });
    expect(minted.key).toMatch(/^lmn_[A-Za-z0-9_-]{40,}$/);
    expect(Math.abs(minted.created_at - Date.now() / 1000)).toBeLessThan(120);

    const response = await models(minted.key);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-ratelimit-limit-requests")).toBe(String(REQUESTS_PER_MINUTE));
    expect(response.headers.get("x-ratelimit-remaining-requests")).toBe(
      String(REQUESTS_PER_MINUTE - 1),
    );
    expect(response.headers.get("x-ratelimit-reset-requests")).toMatch(/^1m[01](\.\d+)?s$/);
    expect(response.headers.get("x-ratelimit-limit-images")).toBeNull();
  });

  it("lists keys without secrets or hashes, and records their last use", async () => {
    const minted = await mint({ label: "listed" });
    expect((await models(minted.key)).status).toBe(200);
    let listed: Record<string, unknown> | undefined;
    // last_used_at is written after the response (waitUntil), so allow it a moment.
    for (let attempt = 0; attempt < 20; attempt++) {
      const response = await admin("GET", "/admin/keys");
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).not.toContain(minted.key);
      expect(text).not.toMatch(/hash/);
      const list = JSON.parse(text) as { object: string; data: Record<string, unknown>[] };
      expect(list.object).toBe("list");
      listed = list.data.find((k) => k.id === minted.id);
      if (listed?.last_used_at) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(listed).toMatchObject({
      object: "api_key",
      id: minted.id,
      prefix: minted.prefix,
      label: "listed",
      scopes: ["images"],
      limits: { requests_per_minute: null, images_per_minute: null },
      revoked_at: null,
      last_used_at: expect.any(Number),
    });
    expect(listed).not.toHaveProperty("key");
  });

  it("revokes a key: it then gets 401 key_revoked; revoking is idempotent", async () => {
    const minted = await mint({ label: "to revoke" });
    expect((await models(minted.key)).status).toBe(200);
    const revoked = await admin("DELETE", `/admin/keys/${minted.id}`);
    expect(revoked.status).toBe(200);
    const body = (await revoked.json()) as { revoked: boolean; revoked_at: number };
    expect(body).toMatchObject({ id: minted.id, revoked: true, revoked_at: expect.any(Number) });
    const refused = await models(minted.key);
    expect(refused.status).toBe(401);
    expect(await errorCode(refused)).toBe("key_revoked");
    const again = await admin("DELETE", `/admin/keys/${minted.id}`);
    expect(((await again.json()) as { revoked_at: number }).revoked_at).toBe(body.revoked_at);
    const unknown = await admin("DELETE", "/admin/keys/key_nope");
    expect(unknown.status).toBe(404);
    expect(await errorCode(unknown)).toBe("not_found");
  });

  it("validates the mint request", async () => {
    const response = await admin("POST", "/admin/keys", { label: "x", limits: { rpm: 1 } });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe("unknown_parameter");
  });
});

describe("per-key limits", () => {
  it("admits exactly the limit out of 200 concurrent requests", async () => {
    const { key } = await mint({ label: "burst" });
    const responses = await Promise.all(Array.from({ length: 200 }, () => models(key)));
    const ok = responses.filter((r) => r.status === 200);
    const limited = responses.filter((r) => r.status === 429);
    expect(ok).toHaveLength(REQUESTS_PER_MINUTE);
    expect(limited).toHaveLength(200 - REQUESTS_PER_MINUTE);
    const remaining = ok.map((r) => Number(r.headers.get("x-ratelimit-remaining-requests")));
    expect(remaining.sort((a, b) => a - b)).toEqual(
      Array.from({ length: REQUESTS_PER_MINUTE }, (_, i) => i),
    );
    for (const response of limited) {
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number(response.headers.get("retry-after"))).toBeLessThanOrEqual(60);
      // openai-node and the AI SDK honour a hint only below 60 s.
      const retryMs = Number(response.headers.get("retry-after-ms"));
      expect(retryMs).toBeGreaterThan(0);
      expect(retryMs).toBeLessThan(60_000);
      expect(response.headers.get("x-should-retry")).toBeNull();
      expect(response.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    }
    const body = (await limited[0]?.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
    await Promise.all([...ok, ...limited.slice(1)].map((r) => r.body?.cancel()));
  });

  it("counts images as n with the key's own limits", async () => {
    const { key } = await mint({
      label: "images",
      limits: { requests_per_minute: 10, images_per_minute: 3 },
    });
    // The fixture deployment cannot generate; the request is counted before that answer.
    const first = await generate(key, 2);
    expect(first.status).not.toBe(429);
    expect(first.headers.get("x-ratelimit-limit-requests")).toBe("10");
    expect(first.headers.get("x-ratelimit-limit-images")).toBe("3");
    expect(first.headers.get("x-ratelimit-remaining-images")).toBe("1");

    const second = await generate(key, 2);
    expect(second.status).toBe(429);
    expect(Number(second.headers.get("retry-after-ms"))).toBeGreaterThan(0);
    expect(second.headers.get("x-ratelimit-remaining-images")).toBe("1");
    expect(second.headers.get("x-ratelimit-remaining-requests")).toBe("9");

    const tooLarge = await generate(key, 4);
    expect(tooLarge.status).toBe(429);
    expect(tooLarge.headers.get("retry-after")).toBeNull();
    expect(tooLarge.headers.get("x-should-retry")).toBe("false");
    expect(((await tooLarge.json()) as { error: { param: string } }).error.param).toBe("n");
  });
});

describe("limner CLI", () => {
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, ["--import", "tsx", CLI_MAIN, ...args], {
      env: { ...process.env, LIMNER_URL: stack.edgeUrl, LIMNER_ADMIN_TOKEN: stack.adminToken },
    });

  it("creates a working key and revokes it", async () => {
    const created = await run(["keys", "create", "--label", "from the cli"]);
    const key = created.stdout.trim();
    expect(key).toMatch(/^lmn_/);
    expect(created.stderr).toContain("from the cli");
    expect((await models(key)).status).toBe(200);

    const id = /Created (key_\S+)/.exec(created.stderr)?.[1] ?? "";
    const listed = await run(["keys", "list"]);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).not.toContain(key);
    await run(["keys", "revoke", id]);
    expect(await errorCode(await models(key))).toBe("key_revoked");
  });
});
