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

/** True when the runtime does not have the model: another runtime may (mid-restart, or other bundles). */
export function isModelNotFound(error: unknown): boolean {
  return error instanceof TRPCClientError && error.data?.code === "NOT_FOUND";
}

function retryAfterSeconds(error: TRPCClientError<RuntimeRouter>): string {
  const ms = error.data?.retryAfterMs;
  return String(typeof ms === "number" && ms > 0 ? Math.ceil(ms / 1000) : 1);
}

function isRuntimeError(error: unknown): error is TRPCClientError<RuntimeRouter> {
  return error instanceof TRPCClientError;
}

/**
 * The client's error for what a runtime answered. Nothing a runtime says about its own failure
 * (its URL, pool or session names, library text) reaches the client: that is logged with the
 * request id, and the answer names the request id instead.
 */
export function translateRuntimeError(error: unknown, requestId: string): ApiError {
  if (!isRuntimeError(error)) {
    logRuntimeFailure(requestId, error);
    return apiError(
      "internal_error",
      `The edge failed while calling a GPU runtime (request id ${requestId}).`,
    );
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
      return apiError("invalid_image_file", error.message, "image");
    case "TOO_MANY_REQUESTS":
    case "SERVICE_UNAVAILABLE":
      return apiError("no_runtime_available", "All GPU runtimes are busy; retry shortly.", null, {
        "retry-after": retryAfterSeconds(error),
      });
    case "TIMEOUT":
      return apiError("timeout", "The GPU runtime did not finish before the deadline.");
    case "CLIENT_CLOSED_REQUEST":
      return apiError("timeout", "The GPU runtime stopped the request before it finished.");
    case "UNAUTHORIZED":
    case "FORBIDDEN":
      // The client did nothing wrong: the edge's service token does not match the runtime's.
      logRuntimeFailure(requestId, error);
      return apiError(
        "upstream_error",
        `A GPU runtime rejected the edge's service token (request id ${requestId}).`,
      );
    default:
      logRuntimeFailure(requestId, error);
      return apiError(
        "upstream_error",
        `A GPU runtime failed while processing the request (request id ${requestId}).`,
      );
  }
}

function logRuntimeFailure(requestId: string, error: unknown): void {
  console.error(
    JSON.stringify({
      level: "error",
      requestId,
      message: `runtime call failed: ${error instanceof Error ? error.message : String(error)}`,
      ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
    }),
  );
}
