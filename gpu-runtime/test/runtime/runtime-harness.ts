/** Starts a real runtime in-process (real worker threads, real HTTP) for the runtime tests. */
import { mkdtempSync, symlinkSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { createTRPCClient, httpBatchStreamLink } from "@trpc/client";
import { loadRuntimeEnv } from "../../src/env";
import type { RuntimeRouter } from "../../src/router";
import { createRuntime } from "../../src/runtime-services";
import { createRuntimeApp } from "../../src/server";

export const TOKEN = "runtime-test-token-0123456789";
const TINY_SD = fileURLToPath(new URL("../fixtures/tiny-sd", import.meta.url));
const LIMNER_MINI = fileURLToPath(new URL("../../models/limner-mini", import.meta.url));

/** A models folder holding the tiny SD fixture and (optionally) the committed limner-mini. */
export function modelsDir({ limnerMini = false } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "limner-runtime-models-"));
  symlinkSync(TINY_SD, join(dir, "tiny-sd"));
  if (limnerMini) symlinkSync(LIMNER_MINI, join(dir, "limner-mini"));
  return dir;
}

export async function startRuntime(env: Record<string, string> = {}) {
  const config = loadRuntimeEnv({
    LIMNER_SERVICE_TOKEN: TOKEN,
    LIMNER_MODELS_DIR: modelsDir(),
    LIMNER_INTRA_OP_THREADS: "1",
    ...env,
  });
  const runtime = createRuntime(config, "test", () => {});
  await runtime.start();
  const app = createRuntimeApp({
    services: runtime.services,
    serviceToken: TOKEN,
    metrics: runtime.metrics.registry,
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createTRPCClient<RuntimeRouter>({
    links: [
      httpBatchStreamLink({ url: `${url}/trpc`, headers: { authorization: `Bearer ${TOKEN}` } }),
    ],
  });
  return {
    url,
    client,
    runtime,
    async metric(name: string): Promise<number> {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith(name));
      return line ? Number(line.split(" ").at(-1)) : 0;
    },
    async stop() {
      await runtime.shutdown();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type TestRuntime = Awaited<ReturnType<typeof startRuntime>>;
