/** Reads a JSON file against a zod schema, naming the file and every bad field. @module */
import { readFileSync } from "node:fs";
import type { z } from "zod";

/**
 * The parsed contents of `path`. Throws one error naming the file, and per issue the field's
 * path, because a malformed bundle must stop start-up with the cause in front of the operator.
 */
export function readJsonFile<S extends z.ZodType>(path: string, schema: S): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`Cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`Invalid ${path}:\n  ${issues.join("\n  ")}`);
  }
  return parsed.data;
}
