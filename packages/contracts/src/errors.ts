/**
 * The error vocabulary of Limner's HTTP edge, in OpenAI's wire format.
 *
 * OpenAI answers every failure with `{ error: { message, type, param, code } }` and an HTTP
 * status (https://platform.openai.com/docs/guides/error-codes). Clients such as `openai-node`
 * pick their error class from the status alone (`APIError.generate`), and read `code`/`param`
 * for detail, so each Limner code is pinned to exactly one status and one `type` here and
 * nowhere else.
 *
 * @module
 */
import { z } from "zod";

/**
 * The `error.type` values Limner emits.
 *
 * `invalid_request_error` and `server_error` are OpenAI's own; the others name the failure
 * class for clients that switch on `type` rather than on the HTTP status.
 */
export const OpenAIErrorType = z.enum([
  "invalid_request_error",
  "authentication_error",
  "permission_error",
  "not_found_error",
  "rate_limit_error",
  "server_error",
  "service_unavailable_error",
  "timeout_error",
]);
/** One of the {@link OpenAIErrorType} values. */
export type OpenAIErrorType = z.infer<typeof OpenAIErrorType>;

/**
 * OpenAI's error body. `type` and `code` are plain strings (not Limner's enums) so the SDK can
 * parse errors from real OpenAI or from a newer edge without failing on an unknown value.
 *
 * @example
 * ```ts
 * const parsed = ErrorEnvelope.safeParse(await response.json());
 * if (parsed.success) console.error(parsed.data.error.message);
 * ```
 */
export const ErrorEnvelope = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string().nullable(),
  }),
});
/** The parsed shape of {@link ErrorEnvelope}. */
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

/**
 * Every error code the edge can answer with, mapped to its HTTP status and `error.type`.
 *
 * Codes reuse OpenAI's spelling where OpenAI has one (`invalid_api_key`, `model_not_found`,
 * `rate_limit_exceeded`, `string_above_max_length`, `unknown_parameter`, …) so code written
 * against OpenAI's errors keeps working.
 */
export const ERROR_CODES = Object.freeze({
  invalid_json: { status: 400, type: "invalid_request_error" },
  invalid_request: { status: 400, type: "invalid_request_error" },
  invalid_value: { status: 400, type: "invalid_request_error" },
  missing_required_parameter: { status: 400, type: "invalid_request_error" },
  unknown_parameter: { status: 400, type: "invalid_request_error" },
  unsupported_parameter: { status: 400, type: "invalid_request_error" },
  unsupported_value: { status: 400, type: "invalid_request_error" },
  // OpenAI's code for a prompt past the model's limit (4000 characters for dall-e-3).
  string_above_max_length: { status: 400, type: "invalid_request_error" },
  invalid_api_key: { status: 401, type: "authentication_error" },
  missing_api_key: { status: 401, type: "authentication_error" },
  // A revoked key is still an authentication failure: OpenAI answers 401 for keys that no
  // longer exist, and clients retry 401s with fresh credentials rather than giving up as on 403.
  key_revoked: { status: 401, type: "authentication_error" },
  insufficient_scope: { status: 403, type: "permission_error" },
  // Signed file URLs: a bad signature and an expired one are both refusals of access.
  invalid_signature: { status: 403, type: "permission_error" },
  url_expired: { status: 403, type: "permission_error" },
  not_found: { status: 404, type: "not_found_error" },
  unknown_url: { status: 404, type: "not_found_error" },
  model_not_found: { status: 404, type: "not_found_error" },
  method_not_allowed: { status: 405, type: "invalid_request_error" },
  // A generation with this request id is still running: a client retry after a lost answer
  // waits (409 is retried by openai-node and the SDK) instead of generating a second time.
  request_in_progress: { status: 409, type: "invalid_request_error" },
  // The same request id was sent with a different request: a client bug, not worth retrying.
  request_id_reused: { status: 400, type: "invalid_request_error" },
  // The body did not arrive in time (a slow or stalled client): the connection is not held.
  request_timeout: { status: 408, type: "invalid_request_error" },
  payload_too_large: { status: 413, type: "invalid_request_error" },
  // OpenAI answers 400 for an upload that is not an image it accepts (never 415), with these
  // codes: one whose header is not PNG, JPEG or WebP; one that could not be decoded.
  invalid_image_format: { status: 400, type: "invalid_request_error" },
  invalid_image_file: { status: 400, type: "invalid_request_error" },
  rate_limit_exceeded: { status: 429, type: "rate_limit_error" },
  // nginx's 499: the client hung up. Never seen by that client; recorded as "cancelled".
  client_closed_request: { status: 499, type: "invalid_request_error" },
  internal_error: { status: 500, type: "server_error" },
  upstream_error: { status: 502, type: "server_error" },
  no_runtime_available: { status: 503, type: "service_unavailable_error" },
  timeout: { status: 504, type: "timeout_error" },
} as const satisfies Record<string, { status: number; type: OpenAIErrorType }>);

/** A key of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Narrows an arbitrary string (say, `error.code` from a response) to a Limner {@link ErrorCode}.
 */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/**
 * The HTTP status to answer with for `code`.
 *
 * @example
 * ```ts
 * statusForCode("rate_limit_exceeded"); // 429
 * ```
 */
export function statusForCode(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

/**
 * Builds the OpenAI error body for `code`; `type` comes from {@link ERROR_CODES} so the two can
 * never disagree.
 *
 * @param param - the offending request field as a dotted path, or `null` when none applies.
 * @example
 * ```ts
 * errorEnvelope("missing_required_parameter", "Missing required parameter: 'prompt'.", "prompt");
 * ```
 */
export function errorEnvelope(
  code: ErrorCode,
  message: string,
  param: string | null = null,
): ErrorEnvelope {
  return { error: { message, type: ERROR_CODES[code].type, param, code } };
}
