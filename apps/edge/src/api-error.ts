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

export class ApiError extends HTTPException {
  constructor(
    status: number,
    readonly envelope: ErrorEnvelope,
    readonly headers: Record<string, string> = {},
  ) {
    super(status as ContentfulStatusCode, { message: envelope.error.message });
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
