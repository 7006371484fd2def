/**
 * Runs the built `limner` CLI (`packages/cli/bin/limner.js`) under plain node, as a user's
 * terminal does: in `cwd`, against `env` alone (plus PATH), never throwing on a non-zero exit.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";

export const CLI = join(import.meta.dirname, "../../packages/cli/bin/limner.js");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd: string, env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, maxBuffer: 64 * 1024 * 1024, env: { PATH: process.env.PATH ?? "", ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
