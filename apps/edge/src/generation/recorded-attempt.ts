/**
 * One attempt at a recorded request (a generation or an edit) whose row `recordStart` wrote:
 * the row's heartbeat runs while the attempt does, and an attempt that throws marks the row
 * failed with the error's code before the error goes on to the client.
 *
 * @module
 */
import { ApiError } from "../api-error";
import { keepAlive, recordFailure } from "./generation-records";

/** Runs `attempt` for the `running` row `generationId`; records its failure, rethrown. */
export async function recordedAttempt<T>(
  db: D1Database,
  generationId: string,
  attempt: () => Promise<T>,
): Promise<T> {
  const stopHeartbeat = keepAlive(db, generationId);
  try {
    return await attempt();
  } catch (error) {
    const apiCode = error instanceof ApiError ? error.envelope.error.code : "internal_error";
    // A client that hung up cancelled its request; that is not a failure of ours.
    const code = apiCode === "client_closed_request" ? "cancelled" : (apiCode ?? "error");
    await recordFailure(db, generationId, code);
    throw error;
  } finally {
    stopHeartbeat();
  }
}
