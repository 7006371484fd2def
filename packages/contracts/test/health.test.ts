import { describe, expect, expectTypeOf, it } from "vitest";
import { RuntimeHealth, RuntimeStatus } from "../src/index";

const healthy = {
  status: "READY",
  version: "0.1.0",
  uptime_s: 12.5,
  queue_depth: 0,
  models: ["limner-mini"],
} as const;

describe("RuntimeHealth", () => {
  it.each(RuntimeStatus.options)("accepts status %s", (status) => {
    expect(RuntimeHealth.parse({ ...healthy, status })).toEqual({ ...healthy, status });
  });

  it.each([
    { status: "UP" },
    { uptime_s: -1 },
    { queue_depth: -1 },
    { queue_depth: 1.5 },
    { models: "limner-mini" },
    { version: 1 },
  ])("rejects %j", (patch) => {
    expect(RuntimeHealth.safeParse({ ...healthy, ...patch }).success).toBe(false);
  });

  it("types", () => {
    expect(RuntimeStatus.options).toEqual(["STARTING", "READY", "BUSY", "DRAINING"]);
    expectTypeOf<RuntimeHealth["status"]>().toEqualTypeOf<
      "STARTING" | "READY" | "BUSY" | "DRAINING"
    >();
  });
});
