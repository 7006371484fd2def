/**
 * An overload answer with a retry hint. `trpc.ts` copies `retryAfterMs` into the error's `data`,
 * so the edge can send `Retry-After` or try another runtime at once.
 *
 * @module
 */
import { TRPCError } from "@trpc/server";

export class RetryableTRPCError extends TRPCError {
  constructor(
    code: "TOO_MANY_REQUESTS" | "SERVICE_UNAVAILABLE",
    message: string,
    readonly retryAfterMs: number,
  ) {
    super({ code, message });
  }
}
