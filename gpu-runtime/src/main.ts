/**
 * Entry point: `npm start -w @limner/gpu-runtime` (or `tsx src/main.ts`).
 * Prints one line `limner-runtime listening on <url>` once it accepts connections; the dev
 * stack and the e2e harness wait for that line.
 *
 * @module
 */
import { serve } from "@hono/node-server";
import type { RuntimeStatus } from "@limner/contracts";
import packageJson from "../package.json" with { type: "json" };
import { loadRuntimeEnv } from "./env";
import { loadModelCatalog } from "./model-catalog";
import { createRuntimeApp } from "./server";
import type { RuntimeServices } from "./services";

const env = loadRuntimeEnv(process.env);
let status: RuntimeStatus = "STARTING";

const services: RuntimeServices = {
  version: packageJson.version,
  startedAt: Date.now(),
  models: loadModelCatalog(env.LIMNER_MODELS_DIR),
  status: () => status,
  queueDepth: () => 0,
};

const app = createRuntimeApp({ services, serviceToken: env.LIMNER_SERVICE_TOKEN });
const server = serve(
  { fetch: app.fetch, hostname: env.LIMNER_RUNTIME_HOST, port: env.LIMNER_RUNTIME_PORT },
  (info) => {
    status = "READY";
    const models = services.models.list().map((m) => m.id);
    console.log(`limner-runtime listening on http://${env.LIMNER_RUNTIME_HOST}:${info.port}`);
    console.log(`limner-runtime models: ${models.length > 0 ? models.join(", ") : "(none)"}`);
  },
);

function shutdown(signal: string): void {
  // Readiness goes false first so load balancers stop routing here while we close.
  status = "DRAINING";
  console.log(`limner-runtime received ${signal}, closing`);
  server.close(() => process.exit(0));
}
process.once("SIGTERM", () => shutdown("SIGTERM"));
process.once("SIGINT", () => shutdown("SIGINT"));
