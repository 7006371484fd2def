/**
 * The runtime's one translation from internal failures to tRPC error codes (the runtime's
 * error vocabulary). The edge translates these codes to OpenAI's in one place of its own.
 *
 * @module
 */
import { TRPCError } from "@trpc/server";
import { QueueClosedError, QueueFullError } from "./batching/batch-queue";
import { ModelNotFoundError } from "./generation/generation-service";
import { ImageInputError } from "./images/image-input";
import { RuntimeUnavailableError } from "./lifecycle/work-gate";
import { PipelineInputError } from "./pipelines/pipeline-error";
import { RetryableTRPCError } from "./retryable-error";

/** What a caller is told about any internal failure; the detail is logged. */
export const INTERNAL_FAILURE_MESSAGE = "The runtime failed while processing the request.";

export function toTRPCError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  if (error instanceof QueueFullError) {
    return new RetryableTRPCError("TOO_MANY_REQUESTS", error.message, error.retryAfterMs);
  }
  if (error instanceof RuntimeUnavailableError) {
    return new RetryableTRPCError(
      "SERVICE_UNAVAILABLE",
      error.message,
      error.reason === "starting" ? 2000 : 1000,
    );
  }
  if (error instanceof QueueClosedError) {
    return new RetryableTRPCError("SERVICE_UNAVAILABLE", error.message, 1000);
  }
  if (error instanceof ModelNotFoundError)
    return new TRPCError({ code: "NOT_FOUND", message: error.message });
  if (error instanceof PipelineInputError)
    return new TRPCError({ code: "BAD_REQUEST", message: error.message });
  if (error instanceof ImageInputError) {
    const code =
      error.problem === "too_many_pixels"
        ? "PAYLOAD_TOO_LARGE"
        : error.problem === "unsupported_format"
          ? "UNSUPPORTED_MEDIA_TYPE"
          : "BAD_REQUEST";
    return new TRPCError({
      code,
      message: error.message,
      ...(error.cause ? { cause: error.cause } : {}),
    });
  }
  if (error instanceof Error && error.name === "TimeoutError") {
    return new TRPCError({
      code: "TIMEOUT",
      message: "The request's deadline passed before it finished.",
    });
  }
  if (error instanceof Error && error.name === "AbortError") {
    return new TRPCError({ code: "CLIENT_CLOSED_REQUEST", message: "The request was cancelled." });
  }
  // Internal failures keep their detail (session names, pool state, paths) for the log only:
  // `server.ts` logs the cause with the request id, and the caller gets this sentence.
  return new TRPCError({
    code: "INTERNAL_SERVER_ERROR",
    message: INTERNAL_FAILURE_MESSAGE,
    ...(error instanceof Error ? { cause: error } : { cause: new Error(String(error)) }),
  });
}

/** Runs `work`, rethrowing any failure as a `TRPCError`. */
export async function withTRPCErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toTRPCError(error);
  }
}
