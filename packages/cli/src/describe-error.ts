/**
 * One line for any failure, never a stack trace: the CLI's users need what went wrong and
 * what to do, and the request id to quote.
 *
 * @module
 */
import { APIConnectionError, APIError, APIUserAbortError } from "@limner/sdk";

const FILE_ERRORS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "is a directory",
  ENOTDIR: "not a directory",
};

export function describeError(error: unknown, baseURL: string): string {
  if (error instanceof APIUserAbortError) return "Cancelled.";
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? (error.cause.cause ?? error.cause) : undefined;
    const reason = cause instanceof Error ? ` (${cause.message})` : "";
    return `Could not reach ${baseURL}${reason}: ${error.message} Is the edge running (npm start)?`;
  }
  if (error instanceof APIError) {
    const detail = [
      error.code,
      error.param ? `param ${error.param}` : undefined,
      error.requestID ? `request ${error.requestID}` : undefined,
    ].filter(Boolean);
    return `${error.message}${detail.length ? ` (${detail.join(", ")})` : ""}`;
  }
  if (error instanceof Error && "code" in error && typeof error.code === "string") {
    const path = "path" in error && typeof error.path === "string" ? `${error.path}: ` : "";
    const known = FILE_ERRORS[error.code];
    if (known) return `${path}${known}.`;
  }
  return error instanceof Error ? error.message : String(error);
}
