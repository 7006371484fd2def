/**
 * The runtime used in-process, as the evals and benches use it: explicit bundle folders
 * instead of a models directory, a configuration without any HTTP token, no server.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadRuntimeConfig } from "../../src/env";
import { createRuntime } from "../../src/runtime-services";

const TINY_LIMNER = fileURLToPath(new URL("../fixtures/tiny-limner", import.meta.url));
const TINY_SD = fileURLToPath(new URL("../fixtures/tiny-sd", import.meta.url));

describe("createRuntime with bundleDirs", () => {
  it("serves exactly the folders named, in order, with no service token", {
    timeout: 60_000,
  }, async () => {
    const config = loadRuntimeConfig({ LIMNER_INTRA_OP_THREADS: "1", LIMNER_MAX_BATCH: "1" });
    const runtime = createRuntime(config, "test", () => {}, {
      bundleDirs: [TINY_SD, TINY_LIMNER],
    });
    await runtime.start();
    try {
      expect(runtime.services.status()).toBe("READY");
      expect(runtime.services.models().map((m) => m.id)).toEqual(["tiny-sd", "tiny-limner"]);
      const { revisedPrompt } = await runtime.services.upsample(
        { model: "tiny-limner", prompt: "a red circle" },
        {},
      );
      expect(revisedPrompt.length).toBeGreaterThan(0);
    } finally {
      await runtime.shutdown();
    }
  });

  it("refuses a folder that holds no bundle before starting anything", () => {
    const config = loadRuntimeConfig();
    expect(() =>
      createRuntime(config, "test", () => {}, {
        bundleDirs: [fileURLToPath(new URL("..", import.meta.url))],
      }),
    ).toThrow(/holds no model bundle/);
  });
});
