/**
 * `limner`'s commands, as a function of argv, environment and output (so tests can drive it). Reads `LIMNER_URL` (the edge, default http://127.0.0.1:8787) and
 * `LIMNER_ADMIN_TOKEN` from the environment; nothing else reads `process.env`.
 *
 * Exit status: 0 done, 1 the edge refused or failed, 2 a usage mistake.
 *
 * @module
 */
import { AdminApiError, AdminClient } from "./admin-client";
import { type Io, KEYS_USAGE, keysCommand, UsageError } from "./commands/keys";

const USAGE = `limner — Limner's command line

Environment: LIMNER_URL (default http://127.0.0.1:8787), LIMNER_ADMIN_TOKEN (for keys)

${KEYS_USAGE}`;

export async function cli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: Io,
  fetchImpl: typeof fetch = fetch,
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command !== "keys") throw new UsageError(`Unknown command: ${command}.`);
    const adminToken = env.LIMNER_ADMIN_TOKEN;
    if (!adminToken) throw new UsageError("Set LIMNER_ADMIN_TOKEN to the edge's admin token.");
    const admin = new AdminClient({
      baseUrl: env.LIMNER_URL ?? "http://127.0.0.1:8787",
      adminToken,
      fetch: fetchImpl,
    });
    await keysCommand(rest, admin, io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && "code" in error)) {
      // TypeError with a code: node:util parseArgs rejecting an unknown or malformed option.
      io.err(`limner: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof AdminApiError) {
      io.err(
        `limner: ${error.message}${error.code ? ` (${error.code}, HTTP ${error.status})` : ""}`,
      );
      return 1;
    }
    throw error;
  }
}
