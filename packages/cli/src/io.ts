/**
 * What a command may touch besides the network: its output lines, and a stream for progress
 * bars. `main.ts` binds them to the process; tests capture them.
 *
 * @module
 */
import type { Writable } from "node:stream";

export interface Io {
  /** One line of results, on stdout. */
  out(line: string): void;
  /** One line of diagnostics, on stderr. */
  err(line: string): void;
  /** Where progress bars draw (stderr); cli-progress draws nothing when it is not a TTY. */
  progress?: Writable;
}

/** A mistake in how the command was called: exit status 2, with the usage text. */
export class UsageError extends Error {}
