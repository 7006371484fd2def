/**
 * The id a runtime deduplicates a generation by. Runtimes attach a repeated id to the work
 * already running (a retry, a failover), so the id must name one request of one key: a client's
 * `x-request-id` alone would let two keys that pick the same id — by accident or on purpose —
 * share, or steal, each other's generation. The edge therefore sends a digest of the key's id
 * and the client's id; the client's id itself stays the one in logs and answers.
 *
 * @module
 */
import { sha256Hex } from "../keys/api-key-store";

/** `gen:` + SHA-256 of key id and client request id (hex, 64 characters). */
export async function runtimeRequestId(keyId: string, requestId: string): Promise<string> {
  return `gen:${await sha256Hex(`${keyId}\n${requestId}`)}`;
}
