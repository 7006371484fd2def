/**
 * apps/edge/wrangler.jsonc's deployed environments: each one builds with
 * `wrangler deploy --dry-run --env …` (offline), declares every binding the local default has
 * (bindings are not inherited), reaches runtimes over public HTTPS only, and keeps the local
 * default as `npm start` needs it. infra/cloudflare/setup.sh creates what the bindings name.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { setDatabaseId } from "../../infra/cloudflare/set-database-id";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");
const EDGE_DIR = join(ROOT, "apps/edge");
const CONFIG = join(EDGE_DIR, "wrangler.jsonc");
const fromEdge = createRequire(join(EDGE_DIR, "package.json"));
const WRANGLER_BIN = fromEdge.resolve("wrangler/bin/wrangler.js");
const wrangler: typeof import("wrangler") = await import(
  pathToFileURL(fromEdge.resolve("wrangler")).href
);
const ENVIRONMENTS = ["staging", "production"] as const;
const OFFLINE = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  CI: "true",
  NO_COLOR: "1",
};
const outDir = mkdtempSync(join(tmpdir(), "limner-wrangler-envs-"));

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** The parts of a resolved wrangler config these tests read. */
interface EdgeConfig {
  name: string;
  vars: Record<string, unknown>;
  d1_databases: { binding: string; database_name?: string; migrations_dir?: string }[];
  r2_buckets: { binding: string; bucket_name?: string }[];
  durable_objects: { bindings: { name: string; class_name: string }[] };
  migrations: unknown[];
  dev: { port?: number };
}
const readConfig = (env?: string): EdgeConfig =>
  wrangler.unstable_readConfig({ config: CONFIG, env }) as EdgeConfig;
const bindingNames = (config: EdgeConfig) => ({
  d1: config.d1_databases.map((d) => d.binding).sort(),
  r2: config.r2_buckets.map((b) => b.binding).sort(),
  durableObjects: config.durable_objects.bindings.map((b) => `${b.name}:${b.class_name}`).sort(),
  vars: Object.keys(config.vars).sort(),
});

/** Loopback, link-local and RFC 1918 addresses, which a deployed Worker cannot reach. */
const PRIVATE_HOST =
  /^(localhost|127\.|10\.|192\.168\.|169\.254\.|172\.(1[6-9]|2\d|3[01])\.|\[?::1\]?$)/;

describe("wrangler deploy --dry-run", () => {
  it.each(ENVIRONMENTS)(
    "passes for --env %s with every binding",
    async (env) => {
      const { stdout } = await run(
        process.execPath,
        [WRANGLER_BIN, "deploy", "--dry-run", "--env", env, "--outdir", join(outDir, env)],
        { cwd: EDGE_DIR, env: OFFLINE, timeout: 120_000 },
      );
      expect(stdout).toContain("--dry-run: exiting now.");
      expect(stdout).toMatch(new RegExp(`env\\.DB \\(limner-${env}\\)\\s+D1 Database`));
      expect(stdout).toMatch(new RegExp(`env\\.FILES \\(limner-files-${env}\\)\\s+R2 Bucket`));
      expect(stdout).toMatch(/env\.KEY_AUTHORITY \(KeyAuthority\)\s+Durable Object/);
      expect(existsSync(join(outDir, env, "index.js"))).toBe(true);
    },
    150_000,
  );
});

describe("the environments in wrangler.jsonc", () => {
  it.each(ENVIRONMENTS)("%s declares every binding and var the local default has", (env) => {
    const local = readConfig();
    const deployed = readConfig(env);
    expect(deployed.name).toBe(`limner-edge-${env}`);
    expect(bindingNames(deployed)).toEqual(bindingNames(local));
    // The Durable Object migrations are inherited, so KeyAuthority exists in each environment.
    expect(deployed.migrations).toEqual(local.migrations);
    expect(deployed.d1_databases[0]?.migrations_dir).toBe("migrations");
    // Each environment has its own database and bucket.
    expect(deployed.d1_databases[0]?.database_name).toBe(`limner-${env}`);
    expect(deployed.r2_buckets[0]?.bucket_name).toBe(`limner-files-${env}`);
  });

  it.each(ENVIRONMENTS)("%s reaches its runtimes over public HTTPS", (env) => {
    const urls = String(readConfig(env).vars.RUNTIME_URLS).split(",");
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls.map((u) => new URL(u.trim()))) {
      expect(url.protocol).toBe("https:");
      expect(url.hostname).not.toMatch(PRIVATE_HOST);
    }
  });

  it("leaves the local default as npm start uses it", () => {
    const local = readConfig();
    expect(local.name).toBe("limner-edge");
    expect(local.vars.RUNTIME_URLS).toBe("http://127.0.0.1:8788");
    expect(local.d1_databases[0]?.database_name).toBe("limner");
    expect(local.r2_buckets[0]?.bucket_name).toBe("limner-files");
    expect(local.dev.port).toBe(8787);
  });

  it("gives secrets no place in the config: the edge's required ones are set by setup.sh", async () => {
    const secretNames = ["RUNTIME_SERVICE_TOKEN", "FILES_SIGNING_KEY", "LIMNER_ADMIN_TOKEN"];
    for (const env of ENVIRONMENTS) {
      const vars = Object.keys(readConfig(env).vars);
      for (const name of secretNames) expect(vars).not.toContain(name);
    }
    const { stdout } = await run(
      "bash",
      [join(ROOT, "infra/cloudflare/setup.sh"), "staging", "--print"],
      {
        env: OFFLINE,
      },
    );
    const lines = stdout.trim().split("\n");
    for (const name of secretNames) {
      expect(lines).toContain(`npx wrangler secret put ${name} --env staging   # value from stdin`);
    }
    expect(lines).toContain("npx wrangler d1 migrations apply DB --remote --env staging");
    expect(lines).toContain(
      "npx wrangler r2 bucket lifecycle add limner-files-staging expire-generated-images '' --expire-days 1 --force",
    );
    expect(lines.at(-1)).toBe("npx wrangler deploy --env staging");
  });

  it("set-database-id.ts writes the real id into one environment only", () => {
    const before = readFileSync(CONFIG, "utf8");
    const uuid = "3f2b8c1e-0d4a-4b7e-9c61-5a2e8f0b1d23";
    const after = setDatabaseId(before, "staging", uuid);
    expect(after).toContain(`"database_id": "${uuid}"`);
    const changed = after.split("\n").filter((line, i) => line !== before.split("\n")[i]);
    expect(changed).toEqual([`          "database_id": "${uuid}",`]);
    // Run again (a redeploy): replaces the id it wrote, still one line.
    expect(setDatabaseId(after, "staging", uuid)).toBe(after);
    expect(() => setDatabaseId(before, "staging", "not-a-uuid")).toThrow(/not a D1 database id/);
  });
});
