/**
 * `npm run serve:selfhost`: Limner on one box without any Cloudflare account. The edge's deploy
 * bundle runs on workerd with its D1, R2 and Durable Object storage on disk under
 * `LIMNER_DATA_DIR`, in front of one runtime this command starts on loopback (or the runtimes
 * `LIMNER_RUNTIME_URLS` names, as in infra/compose), so one port is public: the front proxy's
 * (packages/dev-stack `front-proxy.ts`), with workerd behind it on loopback — local workerd does
 * not notice a non-streaming client hanging up, the proxy does and cancels its work. Secrets are
 * generated on first start and kept beside the data, so keys and file URLs survive restarts.
 * SIGTERM/SIGINT: the proxy and the edge stop, then the runtime drains.
 *
 * Prints `limner self-host listening on <url>` once it serves.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startFrontProxy } from "@limner/dev-stack";
import { startLocalRuntime } from "./local-runtime";
import { REPO_ROOT_DIR } from "./repo-paths";
import { loadEdgeSecrets } from "./selfhost-secrets";
import { loadSelfhostSettings } from "./selfhost-settings";
import { type EdgeServer, serveEdge } from "./serve-edge";
import { applyMigrations, buildEdgeBundle } from "./wrangler-steps";

const settings = loadSelfhostSettings(process.env);
const log = (line: string) => console.log(`[selfhost] ${line}`);
const stateDir = join(settings.dataDir, "state");
mkdirSync(stateDir, { recursive: true, mode: 0o700 });

const { secrets, generated, file } = loadEdgeSecrets(settings.dataDir, process.env);
if (generated.length > 0) log(`generated ${generated.join(", ")} into ${file}`);

const stops: (() => Promise<void>)[] = [];
let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    // Reverse order: the edge stops taking requests before its runtime drains.
    for (const step of stops.reverse()) await step().catch(() => {});
  }
  process.exit(code);
}
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void stop(0));

try {
  const migrated = applyMigrations(stateDir, settings.dataDir, settings.readyTimeoutMs);
  const bundle = settings.edgeBundle
    ? Promise.resolve(join(settings.edgeBundle, "index.js"))
    : buildEdgeBundle(
        join(settings.dataDir, "edge-bundle"),
        settings.dataDir,
        settings.readyTimeoutMs,
      );
  let runtimeUrls = settings.runtimeUrls;
  if (!runtimeUrls) {
    // Quiet unless asked, but a runtime that fails to start has its last lines in the error.
    const recent: string[] = [];
    const runtime = await startLocalRuntime({
      cwd: REPO_ROOT_DIR,
      serviceToken: secrets.RUNTIME_SERVICE_TOKEN,
      readyTimeoutMs: settings.readyTimeoutMs,
      onLine: (line) => {
        if (settings.verbose) console.log(line);
        recent.push(line);
        if (recent.length > 40) recent.shift();
      },
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n--- runtime log ---\n${recent.join("\n")}`);
    });
    stops.push(() => runtime.stop());
    runtimeUrls = [runtime.url];
    log(`runtime ready at ${runtime.url} (loopback only)`);
  }
  await migrated;
  const edge: EdgeServer = await serveEdge({
    script: await bundle,
    stateDir,
    // Loopback, on a port the OS picks: only the front proxy calls workerd.
    host: "127.0.0.1",
    port: 0,
    bindings: {
      ...secrets,
      ...settings.edgeVars,
      RUNTIME_URLS: runtimeUrls.join(","),
    },
  });
  stops.push(() => edge.dispose());
  const proxy = await startFrontProxy({
    host: settings.host,
    port: settings.port,
    upstream: edge.url.origin,
    serviceToken: secrets.RUNTIME_SERVICE_TOKEN,
    onLine: log,
  });
  stops.push(() => proxy.close());
  log(`data in ${settings.dataDir}; admin token in ${file}`);
  console.log(`limner self-host listening on http://${settings.host}:${settings.port}`);
} catch (error) {
  console.error(`limner self-host failed to start: ${(error as Error).message}`);
  await stop(1);
}
