/**
 * Serves the edge's deploy bundle (`wrangler deploy --dry-run --outdir`) on workerd through
 * Miniflare, with the bindings wrangler.jsonc declares (local D1, R2, Durable Objects) kept
 * under the same `--persist-to` folder `wrangler dev` and `wrangler d1 migrations apply --local`
 * use. Requests reach the worker through nothing but Miniflare's entry worker in the same
 * process, much as on Cloudflare; `wrangler dev` puts a proxy worker, in a second workerd
 * process, in front of it. Run as a child by `startStack` with `edgeServer: "miniflare"`;
 * prints `listening on <url>` once it serves.
 *
 * Usage: serve-edge-bundle.ts --script <bundle.js> --persist-to <dir> --port <n>
 *        --env-file <file> [--var NAME:VALUE]…
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs, parseEnv } from "node:util";
import { EDGE_DIR, MINIFLARE_API, WRANGLER_API } from "./edge-paths";

const { values } = parseArgs({
  options: {
    script: { type: "string" },
    "persist-to": { type: "string" },
    port: { type: "string" },
    "env-file": { type: "string" },
    var: { type: "string", multiple: true, default: [] },
  },
});
const { script, "persist-to": persistTo, port, "env-file": envFile } = values;
if (!script || !persistTo || !port || !envFile) {
  throw new Error("serve-edge-bundle needs --script, --persist-to, --port and --env-file");
}

// Both from the wrangler the edge pins, so the bindings are read exactly as `wrangler dev` reads
// them and Miniflare is the version that wrangler runs.
const wrangler: typeof import("wrangler") = await import(WRANGLER_API);
const { Miniflare, Log, LogLevel }: typeof import("miniflare") = await import(MINIFLARE_API);

const { workerOptions } = wrangler.unstable_getMiniflareWorkerOptions(
  join(EDGE_DIR, "wrangler.jsonc"),
);
const secrets = parseEnv(readFileSync(envFile, "utf8"));
const vars = Object.fromEntries(
  values.var.map((pair) => {
    const at = pair.indexOf(":");
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);

const miniflare = new Miniflare({
  // Warnings and errors from workerd itself (an uncaught exception, a dropped connection) are
  // logged like `wrangler dev` logs them; the worker's own console output comes through anyway.
  log: new Log(LogLevel.WARN),
  host: "127.0.0.1",
  port: Number(port),
  // wrangler's layout under --persist-to, so the D1 migrations applied there are found.
  defaultPersistRoot: join(persistTo, "v3"),
  workers: [
    {
      ...workerOptions,
      name: "limner-edge",
      modules: true,
      scriptPath: script,
      // Module names are paths below this root; workerd refuses names reaching outside it.
      modulesRoot: dirname(script),
      bindings: { ...workerOptions.bindings, ...secrets, ...vars },
    },
  ],
});
const url = await miniflare.ready;
console.log(`listening on ${url.origin}`);

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    void miniflare.dispose().finally(() => process.exit(0));
  });
}
