/**
 * The `limner` CLI as a user runs it: the built package (`packages/cli/bin/limner.js`, plain
 * node) against a real stack — generate with the stream, caption, models, health, keys — and
 * every kind of bad input answered with one line and a non-zero exit, never a stack trace.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliRun, runCli } from "./run-cli";
import { startTestStack, type TestStack } from "./test-stack";

let stack: TestStack;
let work: string;

beforeAll(async () => {
  stack = await startTestStack(["tiny-sd", "limner-mini"], {
    edgeVars: { LIMNER_DEFAULT_MODEL: "tiny-sd" },
  });
  work = mkdtempSync(join(tmpdir(), "limner-cli-"));
});

afterAll(async () => {
  await stack?.stop();
});

type Run = CliRun;

function limner(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return runCli(args, work, {
    LIMNER_BASE_URL: `${stack.edgeUrl}/v1`,
    LIMNER_API_KEY: stack.apiKey,
    LIMNER_ADMIN_TOKEN: stack.adminToken,
    ...env,
  });
}

/** One clear line on stderr, no stack trace. */
function expectOneLineFailure(run: Run, code: number, pattern: RegExp) {
  expect(run.code, run.stderr).toBe(code);
  const lines = run.stderr.trim().split("\n");
  expect(lines[0]).toMatch(/^limner: /);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe("limner CLI against the stack", () => {
  it("generates with the stream, writes the files and prints the revised prompt", async () => {
    const run = await limner([
      "generate",
      "a red star above a blue circle",
      "--seed",
      "7",
      "--steps",
      "3",
      "--no-upsample",
      "-n",
      "2",
      "-o",
      "star.png",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Revised prompt: a red star above a blue circle");
    expect(run.stdout).toContain("Seed: 7");
    for (const file of ["star-1.png", "star-2.png"]) {
      expect(run.stdout).toContain(`Wrote ${file}`);
      const meta = await sharp(readFileSync(join(work, file))).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(["png", 1024, 1024]);
    }
  });

  it("captions files, as text and as JSON lines", async () => {
    const image = join(work, "shape.png");
    writeFileSync(
      image,
      await sharp({ create: { width: 64, height: 64, channels: 3, background: "#d03030" } })
        .png()
        .toBuffer(),
    );
    const text = await limner(["caption", image, "--model", "limner-mini", "--detail", "short"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${image}: \\S+`));
    const json = await limner(["caption", image, image, "--model", "limner-mini", "--json"]);
    const rows = json.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ file: image, detail: "descriptive", model: "limner-mini" });
  });

  it("lists models, reports health, and manages keys", async () => {
    const models = await limner(["models"]);
    expect(models.stdout).toMatch(/^limner-mini\s+\S*caption/m);
    expect(models.stdout).toMatch(/^tiny-sd\s/m);
    const health = await limner(["health"], { LIMNER_API_KEY: "" });
    expect(health.code, health.stderr).toBe(0);
    expect(health.stdout).toMatch(/^ready: runtime (READY|BUSY)/);

    const created = await limner(["keys", "create", "--label", "cli-e2e"]);
    const key = created.stdout.trim();
    expect(key).toMatch(/^lmn_/);
    const withNewKey = await limner(["models", "--json"], { LIMNER_API_KEY: key });
    expect(JSON.parse(withNewKey.stdout).map((m: { id: string }) => m.id)).toContain("tiny-sd");
    const id = /Created (\S+) /.exec(created.stderr)?.[1] ?? "";
    expect((await limner(["keys", "revoke", id])).code).toBe(0);
    expectOneLineFailure(await limner(["models"], { LIMNER_API_KEY: key }), 1, /key_revoked/);
  });

  it("answers --help and --version on every command", async () => {
    for (const command of [
      "generate",
      "caption",
      "recaption",
      "eval",
      "keys",
      "models",
      "health",
    ]) {
      const help = await limner([command, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^Usage:\s+limner /);
      expect((await limner([command, "--version"])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect((await limner(["--version"])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("gives one clear line and a non-zero exit for bad input", async () => {
    expectOneLineFailure(await limner(["models"], { LIMNER_API_KEY: "" }), 2, /Set LIMNER_API_KEY/);
    expectOneLineFailure(
      await limner(["models"], { LIMNER_API_KEY: "lmn_wrongwrongwrongwrong" }),
      1,
      /invalid_api_key/,
    );
    expectOneLineFailure(await limner(["caption", "missing.png"]), 1, /missing\.png: no such file/);
    expectOneLineFailure(
      await limner(["generate", "a cat", "--size", "512x512"]),
      2,
      /--size must be one of 1024x1024/,
    );
    expectOneLineFailure(await limner(["generate", "a cat", "--bogus"]), 2, /bogus/);
    expectOneLineFailure(await limner(["frobnicate"]), 2, /Unknown command/);
    expectOneLineFailure(
      await limner(["models"], { LIMNER_BASE_URL: "http://127.0.0.1:1/v1" }),
      1,
      /Could not reach http:\/\/127\.0\.0\.1:1\/v1/,
    );
  });
});
