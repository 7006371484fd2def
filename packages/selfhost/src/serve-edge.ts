/**
 * The edge's deploy bundle served by workerd (through Miniflare, the wrangler-pinned one, as
 * packages/dev-stack's serve-edge-bundle does for benchmarks), with the bindings
 * apps/edge/wrangler.jsonc declares — D1, R2 and the KeyAuthority Durable Objects — stored
 * under `stateDir` in wrangler's local layout, so `wrangler d1 migrations apply --local
 * --persist-to` and `wrangler d1 export --local` see the same database.
 *
 * @module
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { EDGE_DIR, MINIFLARE_API } from "@limner/dev-stack";

const WRANGLER_API = pathToFileURL(
  createRequire(join(EDGE_DIR, "package.json")).resolve("wrangler"),
).href;

export interface EdgeServerOptions {
  script: string;
  stateDir: string;
  host: string;
  port: number;
  /** Secrets and vars, over the wrangler config's own vars. */
  bindings: Record<string, string>;
}

export interface EdgeServer {
  url: URL;
  dispose(): Promise<void>;
}

export async function serveEdge(options: EdgeServerOptions): Promise<EdgeServer> {
  const wrangler: typeof import("wrangler") = await import(WRANGLER_API);
  const { Miniflare, Log, LogLevel }: typeof import("miniflare") = await import(MINIFLARE_API);
  // The top level of the config: the same bindings `npm start` uses, none of a deployed env's.
  const { workerOptions } = wrangler.unstable_getMiniflareWorkerOptions(
    join(EDGE_DIR, "wrangler.jsonc"),
  );
  const miniflare = new Miniflare({
    log: new Log(LogLevel.WARN),
    // The placeholder `request.cf`, not the sample Miniflare would download: the box may be
    // offline, and nothing in the edge reads `cf`.
    cf: false,
    host: options.host,
    port: options.port,
    defaultPersistRoot: join(options.stateDir, "v3"),
    workers: [
      {
        ...workerOptions,
        name: "limner-edge",
        modules: true,
        scriptPath: options.script,
        modulesRoot: dirname(options.script),
        bindings: { ...workerOptions.bindings, ...options.bindings },
      },
    ],
  });
  const url = await miniflare.ready;
  return { url, dispose: () => miniflare.dispose() };
}
