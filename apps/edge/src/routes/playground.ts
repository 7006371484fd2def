/**
 * `GET /`: the playground page, and `GET /playground/*`: its stylesheet and ES modules. All of
 * it is static text built into the worker (no storage, no API key), so it is served before
 * the API's key checks; the browser code then calls `/v1` with the key the user types in.
 *
 * @module
 */
import { Hono } from "hono";
import type { EdgeEnv } from "../env";
import { PLAYGROUND_API_JS } from "../playground/playground-api-script";
import { PLAYGROUND_APP_JS } from "../playground/playground-app-script";
import { PLAYGROUND_GENERATE_JS } from "../playground/playground-generate-script";
import { PLAYGROUND_HISTORY_JS } from "../playground/playground-history-script";
import { PLAYGROUND_PANELS_JS } from "../playground/playground-panels-script";
import { PLAYGROUND_SNIPPETS_JS } from "../playground/playground-snippets-script";
import { PLAYGROUND_CSS } from "../playground/playground-styles";
import { PLAYGROUND_UI_JS } from "../playground/playground-ui-script";
import { playgroundWireModule } from "../playground/playground-wire";
import { PLAYGROUND_HTML } from "./playground-page";

const JS = "text/javascript; charset=utf-8";

/** The page's assets by file name, with their content types. */
const ASSETS: Readonly<Record<string, readonly [contentType: string, body: () => string]>> = {
  "styles.css": ["text/css; charset=utf-8", () => PLAYGROUND_CSS],
  "app.js": [JS, () => PLAYGROUND_APP_JS],
  "api.js": [JS, () => PLAYGROUND_API_JS],
  "generate.js": [JS, () => PLAYGROUND_GENERATE_JS],
  "history.js": [JS, () => PLAYGROUND_HISTORY_JS],
  "panels.js": [JS, () => PLAYGROUND_PANELS_JS],
  "snippets.js": [JS, () => PLAYGROUND_SNIPPETS_JS],
  "ui.js": [JS, () => PLAYGROUND_UI_JS],
  "wire.js": [JS, playgroundWireModule],
};

export const playgroundRoutes = new Hono<EdgeEnv>()
  .get("/", (c) => c.html(PLAYGROUND_HTML))
  .get("/playground/:file", (c) => {
    const asset = ASSETS[c.req.param("file")];
    // Unknown names fall through to the app's OpenAI-style 404.
    if (!asset || !Object.hasOwn(ASSETS, c.req.param("file"))) return c.notFound();
    const [contentType, body] = asset;
    // The assets change with each deploy; revalidating keeps a stale module from mixing with new ones.
    return c.body(body(), 200, { "content-type": contentType, "cache-control": "no-cache" });
  });
