import { describe, expect, it } from "vitest";
import { loadRuntimeConfig, loadRuntimeEnv } from "../src/env";

describe("loadRuntimeEnv", () => {
  it("applies defaults", () => {
    const env = loadRuntimeEnv({ LIMNER_SERVICE_TOKEN: "0123456789abcdef" });
    expect(env).toMatchObject({ LIMNER_RUNTIME_HOST: "127.0.0.1", LIMNER_RUNTIME_PORT: 8788 });
    expect(env.LIMNER_MODELS_DIR).toMatch(/gpu-runtime\/models$/);
  });

  it("lists every bad variable in one error", () => {
    expect(() => loadRuntimeEnv({ LIMNER_RUNTIME_PORT: "70000" })).toThrow(
      /LIMNER_RUNTIME_PORT[\s\S]*LIMNER_SERVICE_TOKEN/,
    );
  });
});

describe("loadRuntimeConfig", () => {
  it("needs no service token: in-process callers start no HTTP server", () => {
    const config = loadRuntimeConfig({ LIMNER_INTRA_OP_THREADS: "2" });
    expect(config).toMatchObject({ LIMNER_INTRA_OP_THREADS: 2, LIMNER_MAX_BATCH: 4 });
    expect(config).not.toHaveProperty("LIMNER_SERVICE_TOKEN");
    expect(config).not.toHaveProperty("LIMNER_RUNTIME_PORT");
  });

  it("validates like the server's environment", () => {
    expect(() => loadRuntimeConfig({ LIMNER_MAX_BATCH: "0" })).toThrow(/LIMNER_MAX_BATCH/);
  });
});
