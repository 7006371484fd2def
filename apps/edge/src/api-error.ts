/**
 * The edge's one error class. Everything the edge rejects is thrown as an `ApiError` and turned
 * into OpenAI's envelope `{error:{message,type,param,code}}` by the central handler in `app.ts`.
 *
 * @module
 */
import {
  type ErrorCode,
  type ErrorEnvelope,
  errorEnvelope,
  statusForCode,
} from "@limner/contracts";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Longest run of a caller's own text an error message repeats (a quoted value, a field name). */
const MAX_ECHOED_CHARS = 64;
/** Longest error message the edge sends. */
const MAX_MESSAGE_CHARS = 1_000;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/**
 * Error text may repeat what the caller sent (`Invalid value 'x' for 'size'`); a value can be a
 * megabyte long. Quoted values and the field name are cut to {@link MAX_ECHOED_CHARS}, the whole
 * message to {@link MAX_MESSAGE_CHARS}, whoever built the envelope (contracts' validation too).
 */
export function boundedEnvelope(envelope: ErrorEnvelope): ErrorEnvelope {
  const message = envelope.error.message.replace(
    /(['"`])([^'"`]{65,})\1/g,
    (_match, quote: string, value: string) => `${quote}${clip(value, MAX_ECHOED_CHARS)}${quote}`,
  );
  const { param } = envelope.error;
  return {
    error: {
      ...envelope.error,
      message: clip(message, MAX_MESSAGE_CHARS),
      param: param === null ? null : clip(param, MAX_ECHOED_CHARS),
    },
  };
}

export class ApiError extends HTTPException {
  readonly envelope: ErrorEnvelope;

  constructor(
    status: number,
    envelope: ErrorEnvelope,
    readonly headers: Record<string, string> = {},
  ) {
    const bounded = boundedEnvelope(envelope);
    super(status as ContentfulStatusCode, { message: bounded.error.message });
    this.envelope = bounded;
  }
}

/**
 * @example
 * throw apiError("model_not_found", "The model `x` does not exist.", "model");
 */
export function apiError(
  code: ErrorCode,
  message: string,
  param: string | null = null,
  headers: Record<string, string> = {},
): ApiError {
  return new ApiError(statusForCode(code), errorEnvelope(code, message, param), headers);
}
