import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("./pool-under-node.script.ts", import.meta.url));
const cwd = fileURLToPath(new URL("../..", import.meta.url));

describe("InferencePool outside vitest", () => {
  it("starts its TypeScript worker under plain `node --import tsx`", {
    timeout: 30_000,
  }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script], {
      cwd,
    });
    const lines = stdout.trim().split("\n");
    expect(JSON.parse(lines[lines.length - 1] ?? "")).toEqual({
      dims: [1, 3, 64, 64],
      stats: [{ runsStarted: 1, busy: false, alive: true }],
    });
  });
});
