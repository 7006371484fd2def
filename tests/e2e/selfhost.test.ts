/**
 * The one-box self-host path (`npm run serve:selfhost`, what infra/compose's edge container
 * runs): the edge's deploy bundle on workerd with storage on disk, its own runtime on loopback.
 * Driven with the unmodified `openai` client through an API key minted by the admin API, then
 * the whole process is stopped and started again on the same data folder: the key, the file
 * URL and the admin token must still work, because they live on disk.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { SupervisedRuntime } from "@limner/dev-stack";
import OpenAI from "openai";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelsDirWith } from "./test-stack";

const ROOT = join(import.meta.dirname, "../..");
const START_TIMEOUT_MS = 150_000;

const dataDir = mkdtempSync(join(tmpdir(), "limner-selfhost-e2e-"));
const modelsDir = modelsDirWith(["tiny-sd"]);
let port = 0;
let server: SelfhostProcess | undefined;
let externalRuntime: SupervisedRuntime | undefined;

interface SelfhostProcess {
  child: ChildProcess;
  logs: string[];
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** `npm run serve:selfhost` exactly as the docs give it, configured by environment only. */
function startSelfhost(extraEnv: Record<string, string> = {}): Promise<SelfhostProcess> {
  const child = spawn("npm", ["run", "--silent", "serve:selfhost"], {
    cwd: ROOT,
    // Its own process group, so stopping it takes npm, tsx and the runtime it started.
    detached: true,
    env: {
      ...process.env,
      LIMNER_DATA_DIR: dataDir,
      LIMNER_PORT: String(port),
      LIMNER_MODELS_DIR: modelsDir,
      LIMNER_DEFAULT_MODEL: "tiny-sd",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      process.kill(-child.pid, "SIGTERM");
      const killer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), 20_000);
      await exited;
      clearTimeout(killer);
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`self-host did not start:\n${logs.join("")}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      logs.push(chunk.toString());
      if (process.env.LIMNER_E2E_LOGS === "1") process.stdout.write(chunk);
      if (logs.join("").includes("limner self-host listening on")) {
        clearTimeout(timer);
        resolve({ child, logs, stop });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`self-host exited with ${code} before serving:\n${logs.join("")}`));
    });
  });
}

function adminToken(): string {
  const secrets = parseEnv(readFileSync(join(dataDir, "secrets.env"), "utf8"));
  return secrets.LIMNER_ADMIN_TOKEN ?? "";
}

const edgeUrl = () => `http://127.0.0.1:${port}`;
let apiKey = "";
let fileUrl = "";
let fileBytes: Buffer;

beforeAll(async () => {
  port = await freePort();
  server = await startSelfhost();
}, START_TIMEOUT_MS + 10_000);

afterAll(async () => {
  await server?.stop();
  await externalRuntime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(modelsDir, { recursive: true, force: true });
}, 30_000);

describe("npm run serve:selfhost", () => {
  it("generates its secrets on disk, readable by nobody else", () => {
    const file = join(dataDir, "secrets.env");
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(adminToken().length).toBeGreaterThanOrEqual(32);
  });

  it("mints a key through the admin API and generates with the openai client", async () => {
    const created = await fetch(`${edgeUrl()}/admin/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken()}`, "content-type": "application/json" },
      body: JSON.stringify({ label: "selfhost-e2e" }),
    });
    expect(created.status).toBe(201);
    apiKey = ((await created.json()) as { key: string }).key;
    expect(apiKey).toMatch(/^lmn_/);

    const openai = new OpenAI({ baseURL: `${edgeUrl()}/v1`, apiKey, maxRetries: 0 });
    const response = await openai.images.generate({
      model: "dall-e-3",
      prompt: "a red star above a blue circle",
      size: "1024x1024",
    });
    fileUrl = response.data?.[0]?.url ?? "";
    expect(fileUrl.startsWith(`${edgeUrl()}/v1/files/`)).toBe(true);
    const download = await fetch(fileUrl);
    expect(download.status).toBe(200);
    fileBytes = Buffer.from(await download.arrayBuffer());
    const meta = await sharp(fileBytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["png", 1024, 1024]);

    // A key that was never minted is refused: the key above is checked, not waved through.
    const stranger = new OpenAI({
      baseURL: `${edgeUrl()}/v1`,
      apiKey: "lmn_thiskeywasnevermintedanywhere",
      maxRetries: 0,
    });
    await expect(stranger.models.list()).rejects.toMatchObject({ status: 401 });
  });

  it("keeps D1, R2 and Durable Object state in the data folder", () => {
    const v3 = join(dataDir, "state/v3");
    for (const kind of ["d1", "r2", "do"]) {
      expect(existsSync(join(v3, kind)), kind).toBe(true);
      expect(readdirSync(join(v3, kind), { recursive: true }).length, kind).toBeGreaterThan(0);
    }
  });

  it(
    "after a restart, the same key, file URL and admin token still work",
    async () => {
      expect(apiKey, "the generation test ran first").not.toBe("");
      const before = adminToken();
      await server?.stop();
      // Down means down: nothing answers on the port between the two processes.
      await expect(fetch(`${edgeUrl()}/healthz`)).rejects.toThrow();
      server = await startSelfhost();
      expect(server.logs.join("")).not.toContain("generated");
      expect(adminToken()).toBe(before);

      const download = await fetch(fileUrl);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer()).equals(fileBytes)).toBe(true);

      const openai = new OpenAI({ baseURL: `${edgeUrl()}/v1`, apiKey, maxRetries: 0 });
      const models = await openai.models.list();
      expect(models.data.map((m) => m.id)).toContain("tiny-sd");
      const again = await openai.images.generate({
        prompt: "a green heart",
        response_format: "b64_json",
      });
      expect((again.data?.[0]?.b64_json ?? "").length).toBeGreaterThan(100);

      const listed = await fetch(`${edgeUrl()}/admin/keys`, {
        headers: { authorization: `Bearer ${before}` },
      });
      const keys = (await listed.json()) as { data: { label: string | null }[] };
      expect(keys.data.map((k) => k.label)).toContain("selfhost-e2e");
    },
    START_TIMEOUT_MS + 60_000,
  );

  it(
    "serves a prebuilt bundle in front of a runtime it did not start (the compose edge container)",
    async () => {
      await server?.stop();
      const serviceToken =
        parseEnv(readFileSync(join(dataDir, "secrets.env"), "utf8")).RUNTIME_SERVICE_TOKEN ?? "";
      externalRuntime = new SupervisedRuntime({
        name: "external-runtime",
        port: 0,
        restart: false,
        onLine: () => {},
        readyTimeoutMs: START_TIMEOUT_MS,
        spawn: (runtimePort) => ({
          command: process.execPath,
          args: ["--import", "tsx", join(ROOT, "gpu-runtime/src/main.ts")],
          cwd: ROOT,
          env: {
            ...process.env,
            LIMNER_RUNTIME_PORT: String(runtimePort),
            LIMNER_SERVICE_TOKEN: serviceToken,
            LIMNER_MODELS_DIR: modelsDir,
          },
        }),
      });
      await externalRuntime.start();
      // The bundle the earlier starts built, as the edge image carries one built at image time.
      server = await startSelfhost({
        LIMNER_RUNTIME_URLS: externalRuntime.url,
        LIMNER_EDGE_BUNDLE: join(dataDir, "edge-bundle"),
      });
      expect(server.logs.join("")).not.toContain("runtime ready at");

      const openai = new OpenAI({ baseURL: `${edgeUrl()}/v1`, apiKey, maxRetries: 0 });
      const response = await openai.images.generate({
        prompt: "a blue square",
        response_format: "b64_json",
      });
      expect((response.data?.[0]?.b64_json ?? "").length).toBeGreaterThan(100);
      const download = await fetch(fileUrl);
      expect(download.status).toBe(200);
    },
    START_TIMEOUT_MS + 60_000,
  );
});
