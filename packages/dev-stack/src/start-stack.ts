/**
 * Starts Limner on one machine: a GPU runtime process and the edge on workerd (`wrangler dev`
 * with local D1/R2), wired together with a fresh service token, behind the front proxy that
 * owns the public port (`front-proxy.ts`: it turns a client's hang-up into a cancel, which local
 * workerd does not do for non-streaming requests). Used by `npm start` and by the
 * e2e tests, so what the tests exercise is exactly what a newcomer runs. Benchmarks can also
 * serve the edge's deploy bundle without wrangler's dev proxy (`edgeServer: "miniflare"`).
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ManagedProcess, spawnManaged } from "./child-process-group";
import { EDGE_DIR, REPO_ROOT, WRANGLER_BIN } from "./edge-paths";
import { freePort, waitForHttp } from "./free-port";
import { startFrontProxy } from "./front-proxy";
import { SupervisedRuntime } from "./supervised-runtime";

const RUNTIME_MAIN = join(REPO_ROOT, "gpu-runtime/src/main.ts");
/** How many picked ports workerd tries before giving up. */
const EDGE_PORT_ATTEMPTS = 3;
const SERVE_EDGE_BUNDLE = fileURLToPath(new URL("./serve-edge-bundle.ts", import.meta.url));

export interface StackOptions {
  /**
   * The public port (the front proxy's, on 127.0.0.1); 0 picks a free one. Default 8787. workerd
   * itself listens on another, free loopback port.
   */
  edgePort?: number;
  /** Runtime port; 0 picks a free one. Default 8788. With several runtimes all pick free ports. */
  runtimePort?: number;
  /** How many runtime processes to start behind the edge (its pool). Default 1. */
  runtimeCount?: number;
  /** The API key to accept (`lmn_…`); a random one when absent. */
  apiKey?: string;
  /** Folder of model bundles the runtime serves; default `gpu-runtime/models`. */
  modelsDir?: string;
  /** Where workerd keeps local D1/R2 state; a temporary folder (removed on stop) when absent. */
  persistDir?: string;
  /** Every child output line; silent when absent. */
  onLog?: (line: string) => void;
  /** How long each process may take to become ready. Default 90 s (first wrangler start is slow). */
  readyTimeoutMs?: number;
  /** Extra wrangler vars for the edge (e.g. `LIMNER_DEFAULT_MODEL`). */
  edgeVars?: Record<string, string>;
  /**
   * Start a runtime again (same port, with backoff) when it exits unexpectedly, as `npm start`
   * does. Default false: a test that kills a runtime usually wants it to stay dead.
   */
  superviseRuntimes?: boolean;
  /**
   * How the edge is served. `wrangler-dev` (default): `wrangler dev`, what `npm start` and the
   * tests run. `miniflare`: the bundle `wrangler deploy` would upload, on workerd with the same
   * local bindings but without `wrangler dev`'s proxy worker in front — the closest local stand-in
   * for the path a request takes on Cloudflare, for measuring the edge itself. It does not
   * rebuild on source changes.
   */
  edgeServer?: "wrangler-dev" | "miniflare";
}

export interface RunningStack {
  /** The public URL: the front proxy. */
  edgeUrl: string;
  /** workerd's own loopback URL behind the proxy (nothing but the proxy should call it). */
  workerdUrl: string;
  /** The first runtime's URL (see `runtimes` for all of them). */
  runtimeUrl: string;
  apiKey: string;
  serviceToken: string;
  /** Bearer token for the edge's `/admin/*` routes (key management). */
  adminToken: string;
  /** The first runtime process (the current one, after restarts). */
  readonly runtime: ManagedProcess;
  /** Every runtime; `process` is the current one after restarts. */
  runtimes: SupervisedRuntime[];
  edge: ManagedProcess;
  stop(): Promise<void>;
}

export function randomApiKey(): string {
  return `lmn_${randomBytes(24).toString("base64url")}`;
}

export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const onLine = options.onLog ?? (() => {});
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const apiKey = options.apiKey ?? randomApiKey();
  const serviceToken = randomBytes(32).toString("base64url");
  const secretsDir = mkdtempSync(join(tmpdir(), "limner-stack-"));
  const persistDir = options.persistDir ?? join(secretsDir, "state");
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    await Promise.all(started.reverse().map((p) => p.stop()));
    rmSync(secretsDir, { recursive: true, force: true });
  };

  try {
    const runtimeCount = options.runtimeCount ?? 1;
    const runtimes = await Promise.all(
      Array.from({ length: runtimeCount }, async (_, i) => {
        const runtime = new SupervisedRuntime({
          name: runtimeCount === 1 ? "runtime" : `runtime-${i + 1}`,
          port: runtimeCount === 1 ? (options.runtimePort ?? 8788) : 0,
          restart: options.superviseRuntimes ?? false,
          onLine,
          readyTimeoutMs,
          spawn: (port) => ({
            command: process.execPath,
            args: ["--import", "tsx", RUNTIME_MAIN],
            cwd: REPO_ROOT,
            env: {
              // glibc's malloc otherwise keeps an arena per thread (ONNX Runtime's, libvips',
              // libuv's), and memory freed in one is not reused by another: resident memory
              // crept up under sustained load. Two arenas, as in the runtime's Dockerfile.
              MALLOC_ARENA_MAX: "2",
              ...process.env,
              LIMNER_RUNTIME_HOST: "127.0.0.1",
              LIMNER_RUNTIME_PORT: String(port),
              LIMNER_SERVICE_TOKEN: serviceToken,
              ...(options.modelsDir ? { LIMNER_MODELS_DIR: options.modelsDir } : {}),
            },
          }),
        });
        started.push(runtime);
        await runtime.start();
        return runtime;
      }),
    );
    const [first] = runtimes;
    if (!first) throw new Error("runtimeCount must be at least 1");
    const runtimeUrl = first.url;

    // No telemetry and no fetch of the `Request.cf` sample: Limner must start offline.
    const wranglerEnv = {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      CI: "true",
      NO_COLOR: "1",
    };
    await runToCompletion(
      spawnManaged(
        "d1-migrate",
        process.execPath,
        [WRANGLER_BIN, "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir],
        {
          cwd: EDGE_DIR,
          env: wranglerEnv,
          onLine,
        },
      ),
      readyTimeoutMs,
    );

    // Secrets go through an env file (mode 600), not argv, so `ps` does not show them.
    const secretsFile = join(secretsDir, "edge.env");
    const filesSigningKey = randomBytes(32).toString("base64url");
    const adminToken = randomBytes(32).toString("base64url");
    writeFileSync(
      secretsFile,
      `RUNTIME_SERVICE_TOKEN=${serviceToken}\nLIMNER_DEV_KEY=${apiKey}\nFILES_SIGNING_KEY=${filesSigningKey}\nLIMNER_ADMIN_TOKEN=${adminToken}\n`,
      { mode: 0o600 },
    );
    const edgeArgs = (port: number) => [
      "--port",
      String(port),
      "--persist-to",
      persistDir,
      "--env-file",
      secretsFile,
      "--var",
      `RUNTIME_URLS:${runtimes.map((r) => r.url).join(",")}`,
      ...Object.entries(options.edgeVars ?? {}).flatMap(([name, value]) => [
        "--var",
        `${name}:${value}`,
      ]),
    ];
    let bindFailed = false;
    const edgeOnLine = (line: string) => {
      if (line.includes("Address already in use")) bindFailed = true;
      onLine(line);
    };
    const spawnEdge = async (port: number): Promise<ManagedProcess> => {
      if (options.edgeServer === "miniflare") {
        const bundleDir = join(secretsDir, "edge-bundle");
        await runToCompletion(
          spawnManaged(
            "edge-build",
            process.execPath,
            [WRANGLER_BIN, "deploy", "--dry-run", "--outdir", bundleDir],
            { cwd: EDGE_DIR, env: wranglerEnv, onLine },
          ),
          readyTimeoutMs,
        );
        return spawnManaged(
          "edge",
          process.execPath,
          [
            "--import",
            "tsx",
            SERVE_EDGE_BUNDLE,
            "--script",
            join(bundleDir, "index.js"),
            ...edgeArgs(port),
          ],
          { cwd: EDGE_DIR, env: wranglerEnv, onLine: edgeOnLine },
        );
      }
      return spawnManaged(
        "edge",
        process.execPath,
        [
          WRANGLER_BIN,
          "dev",
          "--ip",
          "127.0.0.1",
          "--inspector-port",
          String(await freePort()),
          ...edgeArgs(port),
          "--show-interactive-dev-session=false",
        ],
        { cwd: EDGE_DIR, env: wranglerEnv, onLine: edgeOnLine },
      );
    };

    // wrangler cannot report a port it chose itself, so a free one is picked first; another
    // process (even an outgoing connection's local port) can take it before workerd binds it,
    // so a picked port that turns out taken is picked again.
    let edge: ManagedProcess | undefined;
    let edgePort = 0;
    for (let attempt = 1; ; attempt++) {
      edgePort = await freePort();
      bindFailed = false;
      const candidate = await spawnEdge(edgePort);
      started.push(candidate);
      try {
        await waitForHttp(
          `http://127.0.0.1:${edgePort}/healthz`,
          readyTimeoutMs,
          () => candidate.exited,
        );
        edge = candidate;
        break;
      } catch (error) {
        const retry = bindFailed && attempt < EDGE_PORT_ATTEMPTS;
        if (!retry) throw error;
        await candidate.stop();
        onLine(`[edge] port ${edgePort} was taken before workerd bound it; picking another`);
      }
    }
    const workerdUrl = `http://127.0.0.1:${edgePort}`;
    const proxy = await startFrontProxy({
      host: "127.0.0.1",
      port: options.edgePort ?? 8787,
      upstream: workerdUrl,
      serviceToken,
      onLine,
    });
    started.push({ stop: () => proxy.close() });
    return {
      edgeUrl: proxy.url,
      workerdUrl,
      runtimeUrl,
      apiKey,
      serviceToken,
      adminToken,
      get runtime() {
        return first.process;
      },
      runtimes,
      edge,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function runToCompletion(proc: ManagedProcess, timeoutMs: number): Promise<void> {
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${proc.name} did not finish in ${timeoutMs} ms`)),
      timeoutMs,
    );
    proc.child.once("exit", (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  if (code !== 0) throw new Error(`${proc.name} failed with exit code ${code}`);
}
