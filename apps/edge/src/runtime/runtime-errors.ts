/**
 * Translates what a runtime call can throw into the edge's vocabulary — the one place where
 * tRPC error codes become OpenAI error codes.
 *
 * @module
 */
import { TRPCClientError } from "@trpc/client";
import { type ApiError, apiError } from "../api-error";

/** True when the runtime never answered (refused, reset, DNS): safe to try another runtime. */
export function isConnectionFailure(error: unknown): boolean {
  return error instanceof TRPCClientError && error.data === undefined && !error.meta?.response;
}

export function translateRuntimeError(error: unknown, runtimeUrl: string): ApiError {
  if (!(error instanceof TRPCClientError)) {
    return apiError("internal_error", "The edge failed while calling a GPU runtime.");
  }
  const code: unknown = error.data?.code;
  switch (code) {
    case "BAD_REQUEST":
      return apiError("invalid_request", error.message);
    case "NOT_FOUND":
      return apiError("model_not_found", error.message, "model");
    case "TOO_MANY_REQUESTS":
      return apiError("no_runtime_available", "All GPU runtimes are busy; retry shortly.", null, {
        "retry-after": "1",
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
