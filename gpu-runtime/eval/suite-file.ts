/**
 * Reads the held-out prompt suite file written by `training/image/suite.py`; its schema and
 * category order are shared with `limner eval` (`@limner/contracts/eval`, suite.ts).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { parseSuite, type Suite } from "@limner/contracts/eval";

/** The suite's items, categories interleaved (see `parseSuite`). */
export function readSuite(path: string): Suite {
  return parseSuite(JSON.parse(readFileSync(path, "utf8")), `suite ${path}`);
}
