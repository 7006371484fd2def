/**
 * Translates what a runtime call can throw into the edge's vocabulary — the one place where
 * tRPC error codes become OpenAI error codes.
 *
 * @module
 */
import type { RuntimeRouter } from "@limner/gpu-runtime/router";
import { TRPCClientError } from "@trpc/client";
import { type ApiError, apiError } from "../api-error";

/**
 * True when no tRPC answer came back — refused, reset, DNS, or the connection dropped mid-stream
 * because the runtime died (the stream reader then throws a plain network error, not a
 * TRPCClientError). The work did not complete there, so another runtime may take it.
 */
export function isConnectionFailure(error: unknown): boolean {
  return !(error instanceof TRPCClientError) || error.data === undefined;
}

/** True when the runtime answered "too busy / going away": another runtime may take it. */
export function isOverload(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const code: unknown = error.data?.code;
  return code === "TOO_MANY_REQUESTS" || code === "SERVICE_UNAVAILABLE";
}

function retryAfterSeconds(error: TRPCClientError<RuntimeRouter>): string {
  const ms = error.data?.retryAfterMs;
  return String(typeof ms === "number" && ms > 0 ? Math.ceil(ms / 1000) : 1);
}

function isRuntimeError(error: unknown): error is TRPCClientError<RuntimeRouter> {
  return error instanceof TRPCClientError;
}

export function translateRuntimeError(error: unknown, runtimeUrl: string): ApiError {
  if (!isRuntimeError(error)) {
    return apiError("internal_error", "The edge failed while calling a GPU runtime.");
  }
  const code: unknown = error.data?.code;
  switch (code) {
    case "BAD_REQUEST":
      return apiError("invalid_request", error.message);
    case "NOT_FOUND":
      return apiError("model_not_found", error.message, "model");
    case "PAYLOAD_TOO_LARGE":
      return apiError("payload_too_large", error.message, "image");
    case "UNSUPPORTED_MEDIA_TYPE":
      return apiError("unsupported_media_type", error.message, "image");
    case "TOO_MANY_REQUESTS":
    case "SERVICE_UNAVAILABLE":
      return apiError("no_runtime_available", "All GPU runtimes are busy; retry shortly.", null, {
        "retry-after": retryAfterSeconds(error),
      });
    case "TIMEOUT":
      return apiError("timeout", "The GPU runtime did not finish before the deadline.");
    case "UNAUTHORIZED":
    case "FORBIDDEN":
      // The client did nothing wrong: the edge's service token does not match the runtime's.
      return apiError(
        "upstream_error",
        `GPU runtime ${runtimeUrl} rejected the edge's service token.`,
      );
    default:
      return apiError("upstream_error", `GPU runtime ${runtimeUrl} failed: ${error.message}`);
  }
}
