/**
 * Errors shaped like openai-node's, so code written for OpenAI's client reads the same here:
 * `APIError` with `status`, `error`, `code`, `param`, `type`, `headers` and `requestID`, and one
 * subclass per status family, chosen by {@link APIError.generate}.
 *
 * @module
 */
import { ErrorEnvelope } from "@limner/contracts";

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
