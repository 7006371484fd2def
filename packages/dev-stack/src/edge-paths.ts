/**
 * Where the repository, the edge and the wrangler it pins live. wrangler is the edge's
 * dependency, not this package's, so it is resolved from the edge, as `npm -w apps/edge exec wrangler` would.
 *
 * @module
 */
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const REPO_ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
export const EDGE_DIR = join(REPO_ROOT, "apps/edge");
const fromEdge = createRequire(join(EDGE_DIR, "package.json"));
/** wrangler's CLI, to run with `node`. */
export const WRANGLER_BIN = fromEdge.resolve("wrangler/bin/wrangler.js");
/** wrangler's module (its programmatic API), as an import URL. */
export const WRANGLER_API = pathToFileURL(fromEdge.resolve("wrangler")).href;
/** The Miniflare that this wrangler runs (its own exact dependency), as an import URL. */
export const MINIFLARE_API = pathToFileURL(
  createRequire(fromEdge.resolve("wrangler")).resolve("miniflare"),
).href;
