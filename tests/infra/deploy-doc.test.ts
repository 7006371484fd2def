/**
 * docs/deploy.md works as written, as far as it can be followed here: every shell command's
 * `wrangler` subcommand and flags exist in the wrangler the edge pins (asked with `--help`),
 * every `npm run` script exists, every repository path a command names exists (relative to
 * the folder the block has `cd`-ed into), every file in infra/ is described, and every link
 * resolves. The commands that can run without an account or a cluster are run by
 * tests/e2e/selfhost.test.ts (`npm run serve:selfhost`, the restart) and
 * tests/infra/wrangler-environments.test.ts (`wrangler deploy --dry-run --env …`,
 * `setup.sh --print`).
 */
import { execFile } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");
const DOC = readFileSync(join(ROOT, "docs/deploy.md"), "utf8");
const WRANGLER_BIN = createRequire(join(ROOT, "apps/edge/package.json")).resolve(
  "wrangler/bin/wrangler.js",
);

interface Command {
  words: string[];
  cwd: string;
  text: string;
}

/** Shell commands of every ```sh block, continuations joined, split at pipes and `&&`. */
function commands(markdown: string): Command[] {
  const found: Command[] = [];
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    let cwd = ROOT;
    const lines = (block[1] ?? "").replace(/\\\n\s*/g, " ").split("\n");
    for (const line of lines) {
      const text = line.replace(/\s+#.*$/, "").trim();
      if (!text) continue;
      for (const part of text.split(/\s(?:\||&&)\s/)) {
        // Quoted arguments are one word; $(…) and <placeholders> are left as they are.
        const words = (part.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).filter(
          (w, i, all) => !(i === 0 || /^[A-Z_]+=/.test(all[i - 1] ?? "")) || !/^[A-Z_]+=/.test(w),
        );
        while (words[0] && /^[A-Z_]+=/.test(words[0])) words.shift();
        if (words[0] === "cd" && words[1]) {
          cwd = resolve(cwd, words[1]);
          continue;
        }
        found.push({ words, cwd, text: part });
      }
    }
  }
  return found;
}

const ALL = commands(DOC);
const helpCache = new Map<string, Promise<string>>();
function wranglerHelp(path: string[]): Promise<string> {
  const key = path.join(" ");
  let help = helpCache.get(key);
  if (!help) {
    help = run(process.execPath, [WRANGLER_BIN, ...path, "--help"], {
      cwd: join(ROOT, "apps/edge"),
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
      timeout: 60_000,
    }).then(({ stdout }) => stdout);
    helpCache.set(key, help);
  }
  return help;
}

/** The longest run of words that wrangler lists as nested subcommands. */
async function subcommandOf(args: string[]): Promise<string[]> {
  const path: string[] = [];
  for (const word of args) {
    if (word.startsWith("-")) break;
    const help = await wranglerHelp(path);
    const listed = new RegExp(`^\\s+wrangler ${[...path, word].join(" ")}(\\s|$)`, "m");
    if (!listed.test(help)) break;
    path.push(word);
  }
  return path;
}

async function wranglerProblems(uses: Command[]): Promise<string[]> {
  const problems: string[] = [];
  // Two at a time: each is a wrangler start on a 2-core machine.
  for (let i = 0; i < uses.length; i += 2) {
    const batch = await Promise.all(
      uses.slice(i, i + 2).map(async ({ words, text }) => {
        const args = words.slice(2);
        const path = await subcommandOf(args);
        if (path.length === 0) return [`${text}: no such wrangler command`];
        const help = await wranglerHelp(path);
        return args
          .filter((a) => a.startsWith("--"))
          .map((a) => a.split("=")[0])
          .filter((flag) => !new RegExp(`\\s${flag}\\s`).test(help))
          .map((flag) => `${text}: wrangler ${path.join(" ")} has no ${flag}`);
      }),
    );
    problems.push(...batch.flat());
  }
  return problems;
}

describe("docs/deploy.md", () => {
  it("has the three paths and the sections an operator needs", () => {
    for (const heading of [
      "## One box without Cloudflare",
      "## Cloudflare edge + your runtimes",
      "## Kubernetes",
      "## Rotating tokens",
      "### Back up D1",
      "## What to watch on `/metrics`",
      "## Capacity",
      "### How the edge's pool addresses pods",
    ]) {
      expect(DOC).toContain(heading);
    }
    expect(ALL.length).toBeGreaterThan(25);
  });

  it("uses only wrangler subcommands and flags that exist", async () => {
    const uses = ALL.filter((c) => c.words[0] === "npx" && c.words[1] === "wrangler");
    expect(uses.length).toBeGreaterThan(10);
    expect(await wranglerProblems(uses)).toEqual([]);
  }, 240_000);

  it("the wrangler check catches a misspelt subcommand or flag", async () => {
    const wrong = commands(
      "```sh\nnpx wrangler d1 migrations aply DB --remote\nnpx wrangler deploy --dry-runn\n```\n",
    );
    expect(await wranglerProblems(wrong)).toEqual([
      "npx wrangler d1 migrations aply DB --remote: wrangler d1 migrations has no --remote",
      "npx wrangler deploy --dry-runn: wrangler deploy has no --dry-runn",
    ]);
  }, 120_000);

  it("runs only npm scripts that exist", () => {
    const scripts = Object.keys(
      (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: object }).scripts,
    );
    const used = ALL.filter((c) => c.words[0] === "npm" && c.words[1] === "run").map(
      (c) => c.words[2],
    );
    expect(used).toContain("serve:selfhost");
    for (const script of used) expect(scripts).toContain(script);
  });

  it("names only repository paths that exist", () => {
    const missing: string[] = [];
    // Files a step creates (`cp example copy`) exist for the steps after it.
    const created = new Set<string>();
    for (const { words, cwd, text } of ALL) {
      if (words[0] === "cp" && words.length >= 3) created.add(resolve(cwd, words.at(-1) ?? ""));
      for (const word of words) {
        const path = word.replace(/^["']|["']$/g, "");
        if (!/^(\.\.\/)*(infra|apps|gpu-runtime|packages|docs|tests)\/[\w./-]+$/.test(path))
          continue;
        if (!existsSync(resolve(cwd, path)) && !created.has(resolve(cwd, path))) {
          missing.push(`${text}: ${path}`);
        }
      }
    }
    expect(missing).toEqual([]);
    accessSync(join(ROOT, "infra/cloudflare/setup.sh"), constants.X_OK);
  });

  it("describes every file in infra/k8s and infra/compose", () => {
    for (const dir of ["infra/k8s", "infra/compose"]) {
      for (const file of readdirSync(join(ROOT, dir))) {
        if (file === "kustomization.yaml" || file === "namespace.yaml") continue;
        expect(DOC, `${dir}/${file}`).toContain(file);
      }
    }
  });

  it("links only to documents that exist", () => {
    for (const [, target] of DOC.matchAll(/\]\(([^)#]+\.md)(#[^)]*)?\)/g)) {
      expect(existsSync(join(ROOT, "docs", target ?? "")), target).toBe(true);
    }
    const anchors = [...DOC.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    const headings = [...DOC.matchAll(/^#+ (.+)$/gm)].map((m) =>
      (m[1] ?? "")
        .toLowerCase()
        .replace(/[^\w\s-]/g, "")
        .replace(/\s/g, "-"),
    );
    for (const anchor of anchors) expect(headings, anchor).toContain(anchor);
  });
});
