/// <reference types="node" />
/**
 * The edge's deploy bundle on real workerd (Miniflare, in-memory D1 and Durable Objects, all
 * migrations applied), for tests that drive the worker over HTTP without a runtime: its
 * `RUNTIME_URLS` points at a closed port.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "vitest";
import {
  unstable_getMiniflareWorkerOptions as getMiniflareWorkerOptions,
  unstable_splitSqlQuery as splitSqlQuery,
} from "wrangler";

const EDGE_DIR = join(import.meta.dirname, "..");
export const ADMIN_TOKEN = "a".repeat(40);
const fromEdge = createRequire(join(EDGE_DIR, "package.json"));
// The Miniflare that the edge's wrangler runs (wrangler's own exact dependency).
const { Miniflare }: typeof import("miniflare") = await import(
  pathToFileURL(createRequire(fromEdge.resolve("wrangler")).resolve("miniflare")).href
);

export interface EdgeOnMiniflare {
  miniflare: InstanceType<typeof Miniflare>;
  /** An admin API call: status and JSON body. */
  admin(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Mints a key with these limits (the admin API's `limits` object). */
  mint(limits?: Record<string, number>): Promise<{ id: string; key: string }>;
  dispose(): Promise<void>;
}

/** Builds the bundle `wrangler deploy` would upload and serves it with `vars` added. */
export async function startEdgeOnMiniflare(
  vars: Record<string, string> = {},
): Promise<EdgeOnMiniflare> {
  const bundleDir = mkdtempSync(join(tmpdir(), "limner-edge-test-"));
  execFileSync(
    process.execPath,
    [fromEdge.resolve("wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", bundleDir],
    { cwd: EDGE_DIR, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" } },
  );
  const { workerOptions } = getMiniflareWorkerOptions(join(EDGE_DIR, "wrangler.jsonc"));
  const miniflare = new Miniflare({
    workers: [
      {
        ...workerOptions,
        name: "limner-edge",
        modules: true,
        scriptPath: join(bundleDir, "index.js"),
        modulesRoot: bundleDir,
        bindings: {
          ...workerOptions.bindings,
          RUNTIME_URLS: "http://127.0.0.1:9",
          RUNTIME_SERVICE_TOKEN: "s".repeat(32),
          FILES_SIGNING_KEY: "f".repeat(32),
          LIMNER_ADMIN_TOKEN: ADMIN_TOKEN,
          ...vars,
        },
      },
    ],
  });
  const db = await miniflare.getD1Database("DB");
  const migrations = join(EDGE_DIR, "migrations");
  for (const file of readdirSync(migrations).sort()) {
    const statements = splitSqlQuery(readFileSync(join(migrations, file), "utf8"));
    await db.batch(statements.map((sql) => db.prepare(sql)));
  }

  const admin: EdgeOnMiniflare["admin"] = async (method, path, body) => {
    const response = await miniflare.dispatchFetch(`http://edge${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return {
    miniflare,
    admin,
    async mint(limits = {}) {
      const { status, body } = await admin("POST", "/admin/keys", { label: "test", limits });
      expect(status).toBe(201);
      return { id: String(body.id), key: String(body.key) };
    },
    async dispose() {
      await miniflare.dispose();
      rmSync(bundleDir, { recursive: true, force: true });
    },
  };
}
