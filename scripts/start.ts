/**
 * `npm start`: runs Limner locally — the GPU runtime with the embedded models and the edge on
 * workerd — prints how to call it, and stops both on Ctrl-C.
 *
 * Environment: LIMNER_DEV_KEY (an lmn_… key to accept; random otherwise), LIMNER_EDGE_PORT
 * (default 8787), LIMNER_RUNTIME_PORT (default 8788), LIMNER_STATE_DIR (local D1/R2/Durable
 * Object state; default apps/edge/.wrangler/state), LIMNER_VERBOSE=1 (show child logs).
 */
import { join } from "node:path";
import { startStack } from "@limner/dev-stack";

const verbose = process.env.LIMNER_VERBOSE === "1";
const started = Date.now();
console.log("Starting Limner (GPU runtime + edge on workerd)…");

const stack = await startStack({
  ...(process.env.LIMNER_DEV_KEY ? { apiKey: process.env.LIMNER_DEV_KEY } : {}),
  edgePort: Number(process.env.LIMNER_EDGE_PORT ?? 8787),
  runtimePort: Number(process.env.LIMNER_RUNTIME_PORT ?? 8788),
  persistDir:
    process.env.LIMNER_STATE_DIR ?? join(import.meta.dirname, "../apps/edge/.wrangler/state"),
  // A crashed runtime is started again (with backoff); the edge stays up meanwhile and
  // answers 503 with Retry-After while no runtime is ready.
  superviseRuntimes: true,
  onLog: (line) => {
    if (verbose || /error|warn|listening|models:|supervisor/i.test(line)) console.log(line);
  },
}).catch((error: Error) => {
  console.error(`Limner failed to start: ${error.message}`);
  console.error("Run with LIMNER_VERBOSE=1 to see the runtime's and the edge's logs.");
  process.exit(1);
});

console.log(`
Limner is running (ready in ${((Date.now() - started) / 1000).toFixed(1)} s).

  Edge (OpenAI-compatible API): ${stack.edgeUrl}/v1
  API key:                      ${stack.apiKey}
  Admin token:                  ${stack.adminToken}

  curl -s ${stack.edgeUrl}/v1/models -H "Authorization: Bearer ${stack.apiKey}"
  curl -s ${stack.edgeUrl}/v1/images/generations -H "Authorization: Bearer ${stack.apiKey}" \\
    -H "content-type: application/json" -d '{"prompt": "a red circle and a blue square"}'
  Playground: ${stack.edgeUrl}/

  More keys: LIMNER_URL=${stack.edgeUrl} LIMNER_ADMIN_TOKEN=<admin token> npx limner keys create --label app

Press Ctrl-C to stop.`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log("\nStopping Limner…");
    void stack.stop().then(() => process.exit(0));
  });
}
// Runtimes are supervised (restarted); without the edge there is nothing to serve.
stack.edge.child.once("exit", (code) => {
  if (stopping) return;
  console.error(`${stack.edge.name} exited unexpectedly (code ${code}); stopping.`);
  void stack.stop().then(() => process.exit(1));
});
