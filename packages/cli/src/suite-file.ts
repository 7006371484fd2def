/**
 * Where `limner eval` finds its suites: the held-out suite the model card is measured on ships
 * with the package (`suites/held-out.json.gz`, beside `dist/` and `src/`: this file sits at the
 * top of `src/` and is bundled into `dist/main.js`, so one relative URL works built and from
 * source). A suite is JSON, or JSON gzipped (`.gz`).
 *
 * The shipped file is `training/image/suite.py`'s output for the card's run, gzipped without a
 * timestamp: `/usr/bin/python3 -m training.image.suite --seed 0 --per-category 100
 * --binding-per-category 200 --images 2 --out suite.json` (1100 prompts, 2 images each).
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { parseSuite, type Suite } from "@limner/sdk/eval";

export const DEFAULT_SUITE = fileURLToPath(new URL("../suites/held-out.json.gz", import.meta.url));

/** Reads and validates a suite file; errors say which file and what is wrong, in one line. */
export async function readSuiteFile(path: string): Promise<Suite> {
  const bytes = await readFile(path);
  let text: string;
  try {
    text = path.endsWith(".gz") ? gunzipSync(bytes).toString("utf8") : bytes.toString("utf8");
  } catch {
    throw new Error(`${path}: not a gzip file.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path}: not JSON (a suite is written by training/image/suite.py).`);
  }
  try {
    return parseSuite(json, path);
  } catch (error) {
    // zod's report spans lines; the CLI's failures are one line.
    const first = error instanceof Error ? error.message.split("\n").slice(0, 3).join(" ") : "";
    throw new Error(`${first.replace(/\s+/g, " ").trim()}`);
  }
}
