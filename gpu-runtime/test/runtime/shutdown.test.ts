/**
 * Graceful shutdown of the real runtime process: on SIGTERM readiness drops at once, new work
 * is refused as retryable, accepted work finishes, then the process exits 0.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { GenerateEvent } from "@limner/contracts";
import { createTRPCClient, httpBatchStreamLink, type TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import type { RuntimeRouter } from "../../src/router";
import { modelsDir, TOKEN } from "./runtime-harness";

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

describe("SIGTERM", () => {
  it("drains: not ready at once, accepted work completes, new work refused, exit 0", {
    timeout: 60_000,
  }, async () => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
      env: {
        ...process.env,
        LIMNER_SERVICE_TOKEN: TOKEN,
        LIMNER_MODELS_DIR: modelsDir(),
        LIMNER_RUNTIME_PORT: "0",
        LIMNER_INTRA_OP_THREADS: "1",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const lines = createInterface({ input: child.stdout });
      let url = "";
      for await (const line of lines) {
        url ||= /listening on (\S+)/.exec(line)?.[1] ?? "";
        if (line.includes("ready;")) break;
      }
      const client = createTRPCClient<RuntimeRouter>({
        links: [
          httpBatchStreamLink({
            url: `${url}/trpc`,
            headers: { authorization: `Bearer ${TOKEN}` },
          }),
        ],
      });

      const stream = await client.generate.mutate({
        requestId: "drain-1",
        model: "tiny-sd",
        prompt: "a green heart",
        seed: 3,
        steps: 100,
        n: 4,
        bucket: "landscape",
      });
      const events: GenerateEvent[] = [];
      const finished = (async () => {
        for await (const event of stream) {
          events.push(event);
          if (event.type === "progress" && event.step === 1) child.kill("SIGTERM");
        }
      })();

      await expect
        .poll(async () => (await fetch(`${url}/readyz`)).status, { timeout: 5000, interval: 20 })
        .toBe(503);
      const refused = await client.generate
        .mutate({ requestId: "drain-2", model: "tiny-sd", prompt: "late", steps: 2 })
        .then(async (s) => {
          for await (const _ of s);
        })
        .catch((e: unknown) => e);
      expect((refused as TRPCClientError<RuntimeRouter>).data?.code).toBe("SERVICE_UNAVAILABLE");

      await finished;
      expect(events.at(-1)?.type).toBe("completed");
      const [code] = await once(child, "exit");
      expect(code).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
