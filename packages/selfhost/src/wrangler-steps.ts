/**
 * The two wrangler steps before the edge serves: applying the D1 migrations to the local
 * database under the data dir (idempotent: wrangler records what it applied) and building the
 * bundle `wrangler deploy` would upload. Both run the wrangler the edge pins, offline.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { EDGE_DIR, WRANGLER_BIN } from "@limner/dev-stack";

const run = promisify(execFile);

function wranglerEnv(dataDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // No telemetry, no fetch of the `Request.cf` sample, no prompts: the box may be offline.
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    CI: "true",
    NO_COLOR: "1",
    // wrangler's own logs go with the rest of the state (a container's home may be read-only).
    WRANGLER_LOG_PATH: join(dataDir, "logs"),
  };
}

async function wrangler(args: string[], dataDir: string, timeoutMs: number): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [WRANGLER_BIN, ...args], {
      cwd: EDGE_DIR,
      env: wranglerEnv(dataDir),
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`wrangler ${args.slice(0, 2).join(" ")} failed:\n${stdout}\n${stderr}`, {
      cause: error,
    });
  }
}

/** Applies apps/edge/migrations to the D1 database kept under `stateDir`. */
export function applyMigrations(stateDir: string, dataDir: string, timeoutMs: number) {
  return wrangler(
    ["d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir],
    dataDir,
    timeoutMs,
  );
}

/** Builds the edge's deploy bundle into `outDir`; returns the path of its entry module. */
export async function buildEdgeBundle(outDir: string, dataDir: string, timeoutMs: number) {
  await wrangler(["deploy", "--dry-run", "--outdir", outDir], dataDir, timeoutMs);
  return join(outDir, "index.js");
}
