/**
 * Entry point: `npm start -w @limner/gpu-runtime` (or `node --import tsx src/main.ts`).
 * Listens at once (liveness), loads the models (readiness follows), and on SIGTERM stops
 * being ready, finishes accepted work, then exits.
 *
 * @module
 */
import { serve } from "@hono/node-server";
import sharp from "sharp";
import packageJson from "../package.json" with { type: "json" };
import { loadRuntimeEnv } from "./env";
import { createRuntime } from "./runtime-services";
import { createRuntimeApp } from "./server";

// libvips' operation cache keeps recent inputs and outputs for reuse; every image here is new,
// so the cache would only hold memory (up to 50 MiB per process) that is never hit.
sharp.cache(false);

const env = loadRuntimeEnv(process.env);
const runtime = createRuntime(env, packageJson.version);
const app = createRuntimeApp({
  services: runtime.services,
  serviceToken: env.LIMNER_SERVICE_TOKEN,
  metrics: runtime.metrics.registry,
});
const server = serve(
  {
    fetch: app.fetch,
    hostname: env.LIMNER_RUNTIME_HOST,
    port: env.LIMNER_RUNTIME_PORT,
    // Node closes a connection whose headers or request do not arrive in time (408), so a
    // slow client cannot hold sockets open; answers may take as long as generation takes.
    serverOptions: {
      headersTimeout: env.LIMNER_HEADERS_TIMEOUT_MS,
      requestTimeout: env.LIMNER_REQUEST_TIMEOUT_MS,
      // How often those timeouts are checked (Node's default, 30 s, would let a slow client
      // keep its socket up to 30 s past them).
      connectionsCheckingInterval: 1_000,
    },
  },
  (info) => {
    console.log(`limner-runtime listening on http://${env.LIMNER_RUNTIME_HOST}:${info.port}`);
  },
);

runtime.start().then(
  () => {
    const models = runtime.services.models().map((m) => m.id);
    console.log(
      `limner-runtime ready; models: ${models.length > 0 ? models.join(", ") : "(none)"}`,
    );
  },
  (error: Error) => {
    console.error(`limner-runtime failed to load models: ${error.message}`);
    process.exit(1);
  },
);

let stopping = false;
function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  console.log(`limner-runtime received ${signal}: draining`);
  runtime
    .shutdown()
    .then(() => new Promise((resolve) => server.close(resolve)))
    .then(
      () => process.exit(0),
      (error: Error) => {
        console.error(`limner-runtime shutdown failed: ${error.message}`);
        process.exit(1);
      },
    );
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
