import { describe, expect, it } from "vitest";
import { type EdgeBindings, edgeConfig } from "../src/config";

const bindings = (vars: Partial<EdgeBindings>) =>
  ({ DB: {}, FILES: {}, RUNTIME_URLS: "", ...vars }) as unknown as EdgeBindings;

describe("edgeConfig", () => {
  it("splits and trims the runtime pool and keeps the token", () => {
    const config = edgeConfig(
      bindings({
        RUNTIME_URLS: "http://a:1/, http://b:2",
        RUNTIME_SERVICE_TOKEN: "0123456789abcdef",
      }),
    );
    expect(config).toEqual({
      runtimeUrls: ["http://a:1", "http://b:2"],
      runtimeServiceToken: "0123456789abcdef",
      devKey: undefined,
    });
  });

  it("names every bad variable", () => {
    expect(() =>
      edgeConfig(
        bindings({
          RUNTIME_URLS: "ftp://x",
          RUNTIME_SERVICE_TOKEN: "short",
          LIMNER_DEV_KEY: "sk-1",
        }),
      ),
    ).toThrow(/RUNTIME_URLS.*RUNTIME_SERVICE_TOKEN.*LIMNER_DEV_KEY/);
  });

  it("validates once per bindings object", () => {
    const env = bindings({ RUNTIME_URLS: "http://a:1", RUNTIME_SERVICE_TOKEN: "0123456789abcdef" });
    expect(edgeConfig(env)).toBe(edgeConfig(env));
  });
});
