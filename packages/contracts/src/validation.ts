/**
 * Validates a request body against a contract and, on failure, answers the way OpenAI does:
 * one error for the first problem found, with OpenAI's `code`, `param` and message wording
 * (e.g. "Unrecognized request argument supplied: foo", "Missing required parameter: 'prompt'.").
 * This is the one place where zod issues become OpenAI errors.
 *
 * @module
 */
import type { z } from "zod";
import { type ErrorCode, type ErrorEnvelope, errorEnvelope, statusForCode } from "./errors";
import type { UnsupportedFields } from "./unsupported-fields";

/** The outcome of {@link parseRequestBody}: the parsed value, or the error to answer with. */
export type ParseResult<T> =
  | { ok: true; data: T }
  | { ok: false; error: ErrorEnvelope; status: number };

/** Options of {@link parseRequestBody}. */
export interface ParseRequestBodyOptions {
  /** Fields to refuse with `unsupported_parameter`, e.g. `UNSUPPORTED_IMAGE_FIELDS`. */
  unsupported?: UnsupportedFields;
}

/**
 * Parses `body` (already `JSON.parse`d) with `schema`. Checks run in this order, and only the
 * first failure is reported:
 * 1. the body must be a JSON object (`invalid_request`);
 * 2. no field listed in `opts.unsupported` may be present (`unsupported_parameter`), checked
 *    before the schema so such a field is not reported as merely unknown;
 * 3. the schema; an unknown field is reported first (a typo such as `promt` is better
 *    answered "unrecognized `promt`" than "missing `prompt`"), otherwise the first issue. It
 *    becomes `unknown_parameter`, `missing_required_parameter`, `string_above_max_length` or
 *    `invalid_value`, with `param` the field's path.
 *
 * @example
 * ```ts
 * const result = parseRequestBody(ImageGenerationRequest, body, { unsupported: UNSUPPORTED_IMAGE_FIELDS });
 * if (!result.ok) return c.json(result.error, result.status);
 * ```
 */
export function parseRequestBody<S extends z.ZodType>(
  schema: S,
  body: unknown,
  opts: ParseRequestBodyOptions = {},
): ParseResult<z.output<S>> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return failure("invalid_request", "Invalid request body: expected a JSON object.", null);
  }
  for (const [field, reason] of Object.entries(opts.unsupported ?? {})) {
    if (Object.hasOwn(body, field)) {
      return failure(
        "unsupported_parameter",
        `Unsupported parameter: '${field}' is not supported by Limner: ${reason}.`,
        field,
      );
    }
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, data: parsed.data };
  const { issues } = parsed.error;
  const issue = issues.find((i) => i.code === "unrecognized_keys") ?? issues[0];
  if (issue === undefined) {
    return failure("invalid_request", "Invalid request body.", null);
  }
  return translateIssue(issue, body);
}

/** A failed {@link ParseResult}, for checks a schema cannot express (cross-field rules). */
export function parseFailure(
  code: ErrorCode,
  message: string,
  param: string | null,
): ParseResult<never> {
  return failure(code, message, param);
}

function failure(code: ErrorCode, message: string, param: string | null): ParseResult<never> {
  return { ok: false, error: errorEnvelope(code, message, param), status: statusForCode(code) };
}

/** Maps one zod issue to OpenAI's code and wording for the same mistake. */
function translateIssue(issue: z.core.$ZodIssue, body: object): ParseResult<never> {
  const param = formatPath(issue.path);
  const value = valueAt(body, issue.path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const keys = issue.keys.map((key) => formatPath([...issue.path, key]));
      const message =
        keys.length === 1
          ? `Unrecognized request argument supplied: ${keys[0]}`
          : `Unrecognized request arguments supplied: ${keys.join(", ")}`;
      return failure("unknown_parameter", message, keys[0] ?? null);
    }
    case "invalid_type":
      if (value === undefined) {
        return failure(
          "missing_required_parameter",
          `Missing required parameter: '${param}'.`,
          param,
        );
      }
      return failure(
        "invalid_value",
        `Invalid type for '${param}': expected ${article(issue.expected)}, but got ${typeName(value)} instead.`,
        param,
      );
    case "too_big":
      if (issue.origin === "string" && typeof value === "string") {
        return failure(
          "string_above_max_length",
          `Invalid '${param}': string too long. Expected a string with maximum length ${issue.maximum}, but got a string with length ${value.length} instead.`,
          param,
        );
      }
      return failure(
        "invalid_value",
        `Invalid '${param}': ${issue.origin} above maximum value. Expected a value ${issue.inclusive === false ? "<" : "<="} ${issue.maximum}, but got ${formatValue(value)} instead.`,
        param,
      );
    case "too_small":
      if (issue.origin === "string" && typeof value === "string") {
        const got = value.length === 0 ? "an empty string" : `a string with length ${value.length}`;
        return failure(
          "invalid_value",
          `Invalid '${param}': string too short. Expected a string with minimum length ${issue.minimum}, but got ${got} instead.`,
          param,
        );
      }
      return failure(
        "invalid_value",
        `Invalid '${param}': ${issue.origin} below minimum value. Expected a value ${issue.inclusive === false ? ">" : ">="} ${issue.minimum}, but got ${formatValue(value)} instead.`,
        param,
      );
    case "invalid_value":
      return failure(
        "invalid_value",
        `Invalid value for '${param}': ${formatValue(value)}. Supported values are: ${listValues(issue.values)}.`,
        param,
      );
    default:
      return failure(
        "invalid_value",
        param === "" ? issue.message : `Invalid '${param}': ${issue.message}.`,
        param === "" ? null : param,
      );
  }
}

/** OpenAI's `param` style: `messages[0].content`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) {
      return undefined;
    }
    current = Reflect.get(current, key);
  }
  return current;
}

/** The names OpenAI's messages use for JSON types ("got a decimal", "expected an integer"). */
function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a decimal";
  return article(typeof value);
}

function article(expected: string): string {
  if (expected === "int") return "an integer";
  if (expected === "number") return "a number";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function formatValue(value: unknown): string {
  return typeof value === "string" ? `'${value}'` : (JSON.stringify(value) ?? String(value));
}

/** `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'`, as OpenAI lists supported values. */
function listValues(values: readonly unknown[]): string {
  const quoted = values.map(formatValue);
  if (quoted.length <= 2) return quoted.join(" and ");
  return `${quoted.slice(0, -1).join(", ")}, and ${quoted.at(-1)}`;
}
