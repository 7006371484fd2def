/**
 * Errors shaped like openai-node's (`src/core/error.ts`), so code written for OpenAI's client
 * reads the same here: `APIError` with `status`, `error`, `code`, `param`, `type`, `headers` and
 * `requestID`, one subclass per status family chosen by {@link APIError.generate},
 * `APIConnectionError`, `APIConnectionTimeoutError` and `APIUserAbortError`.
 *
 * They are look-alikes, not openai-node's own classes: depending on `openai` would pull a whole
 * second client into every browser bundle, and its classes carry OpenAI-specific fields. So
 * `instanceof OpenAI.APIError` is false for these; compare by name or by `status`/`code`.
 *
 * @module
 */
import { ErrorEnvelope, isErrorCode, statusForCode } from "@limner/contracts";

/** The base of every error the SDK throws. */
export class LimnerError extends Error {}

export class APIError extends LimnerError {
  readonly status: number | undefined;
  readonly headers: Headers | undefined;
  /** The `error` object of the envelope, when the server sent one. */
  readonly error: ErrorEnvelope["error"] | undefined;
  readonly code: string | null | undefined;
  readonly param: string | null | undefined;
  readonly type: string | undefined;
  /** The server's `x-request-id`, to quote when reporting a problem. */
  readonly requestID: string | null | undefined;

  constructor(
    status: number | undefined,
    error: ErrorEnvelope["error"] | undefined,
    message: string | undefined,
    headers: Headers | undefined,
  ) {
    super(APIError.#message(status, error, message));
    this.name = new.target.name;
    this.status = status;
    this.headers = headers;
    this.error = error;
    this.code = error?.code;
    this.param = error?.param;
    this.type = error?.type;
    this.requestID = headers?.get("x-request-id");
  }

  /**
   * The error a stream reports in its `error` event, after the 200 status line was sent: the
   * status is recovered from the envelope's code (the contracts pin one status per code).
   */
  static fromStreamEnvelope(envelope: ErrorEnvelope, headers: Headers): APIError {
    const { code } = envelope.error;
    const status = code && isErrorCode(code) ? statusForCode(code) : 500;
    return APIError.generate(status, envelope, undefined, headers);
  }

  static #message(
    status: number | undefined,
    error: ErrorEnvelope["error"] | undefined,
    message: string | undefined,
  ) {
    const text = error?.message ?? message;
    if (status && text) return `${status} ${text}`;
    if (status) return `${status} status code (no body)`;
    return text ?? "(no status code or body)";
  }

  /** Picks the subclass for `status`; `body` is the parsed response body, if any. */
  static generate(
    status: number | undefined,
    body: unknown,
    message: string | undefined,
    headers: Headers | undefined,
  ): APIError {
    if (status === undefined || headers === undefined) {
      return new APIConnectionError({ message, cause: body });
    }
    const parsed = ErrorEnvelope.safeParse(body);
    const error = parsed.success ? parsed.data.error : undefined;
    const Subclass = STATUS_CLASSES[status] ?? (status >= 500 ? InternalServerError : APIError);
    return new Subclass(status, error, message, headers);
  }
}

export class BadRequestError extends APIError {}
export class AuthenticationError extends APIError {}
export class PermissionDeniedError extends APIError {}
export class NotFoundError extends APIError {}
export class ConflictError extends APIError {}
export class UnprocessableEntityError extends APIError {}
export class RateLimitError extends APIError {}
export class InternalServerError extends APIError {}

const STATUS_CLASSES: Record<number, typeof APIError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  422: UnprocessableEntityError,
  429: RateLimitError,
};

export class APIConnectionError extends APIError {
  constructor({ message, cause }: { message?: string | undefined; cause?: unknown }) {
    super(undefined, undefined, message ?? "Connection error.", undefined);
    if (cause !== undefined) this.cause = cause;
  }
}

export class APIConnectionTimeoutError extends APIConnectionError {
  constructor({ message }: { message?: string } = {}) {
    super({ message: message ?? "Request timed out." });
  }
}

/** The caller's `AbortSignal` fired; never retried. */
export class APIUserAbortError extends APIError {
  constructor({ message }: { message?: string } = {}) {
    super(undefined, undefined, message ?? "Request was aborted.", undefined);
  }
}
