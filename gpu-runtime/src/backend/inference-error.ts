/**
 * The one error class of the inference backend. It carries the session key and a code so the
 * runtime's router can translate it to a tRPC code in one place (`RUN_FAILED` on bad inputs is
 * a caller bug → BAD_REQUEST; `WORKER_CRASHED` is transient → retry elsewhere).
 *
 * Aborted runs do not use this class: they reject with a `DOMException` named `"AbortError"`,
 * which is what `fetch` and every `AbortSignal` consumer in Node does.
 *
 * @module
 */

export type InferenceErrorCode =
  /** The model file could not be loaded (missing, corrupt, unsupported operator). */
  | "LOAD_FAILED"
  /** onnxruntime rejected the run: unknown input name, wrong shape or dtype, … */
  | "RUN_FAILED"
  /** `run` named a session key that was never loaded. */
  | "UNKNOWN_SESSION"
  /** The worker thread died while this request was in flight. */
  | "WORKER_CRASHED"
  /** The pool was closed before the request finished. */
  | "POOL_CLOSED";

export class InferenceError extends Error {
  override readonly name = "InferenceError";

  constructor(
    readonly code: InferenceErrorCode,
    /** Key of the session the request was for (`""` when none applies). */
    readonly session: string,
    message: string,
  ) {
    super(session ? `[${code}] session "${session}": ${message}` : `[${code}] ${message}`);
  }
}

/** The error an aborted request rejects with, as `AbortSignal.throwIfAborted` would. */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}
