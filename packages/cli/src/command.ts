/**
 * The shape every `limner` command has: its usage text (shown by `--help`) and a `run` that
 * gets parsed-later arguments and a context with the output and an SDK client.
 *
 * @module
 */
import { Limner } from "@limner/sdk";
import type { CliConfig } from "./env";
import { type Io, UsageError } from "./io";

export interface CommandContext {
  io: Io;
  config: CliConfig;
  /**
   * A client with the API key (`/v1` calls), the admin token (`keys`), or neither (`health`,
   * whose probe sends no credential).
   */
  client(credential: "apiKey" | "adminToken" | "none", options?: { maxRetries?: number }): Limner;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The whole `--help` text. */
  usage: string;
  /** Resolves with the exit status (0 when absent). */
  run(args: string[], ctx: CommandContext): Promise<number | undefined>;
}

export function commandContext(
  io: Io,
  config: CliConfig,
  fetchImpl: typeof fetch | undefined,
): CommandContext {
  return {
    io,
    config,
    client(credential, options = {}) {
      const common = {
        baseURL: config.baseURL,
        ...options,
        ...(fetchImpl ? { fetch: fetchImpl } : {}),
      };
      if (credential === "none") {
        // The client wants a credential to exist; the probe's calls never send it.
        return new Limner({ ...common, apiKey: config.apiKey ?? "lmn_unused" });
      }
      if (credential === "adminToken") {
        if (!config.adminToken)
          throw new UsageError("Set LIMNER_ADMIN_TOKEN to the edge's admin token.");
        return new Limner({ ...common, adminToken: config.adminToken });
      }
      if (!config.apiKey) throw new UsageError("Set LIMNER_API_KEY to an lmn_… API key.");
      return new Limner({ ...common, apiKey: config.apiKey });
    },
  };
}

/** Parses a flag that must be a non-negative integer within bounds. */
export function intFlag(
  name: string,
  value: string | undefined,
  { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got '${value}').`);
  }
  return n;
}

/** Parses a flag that must be a number within bounds. */
export function numberFlag(
  name: string,
  value: string | undefined,
  { min, max }: { min: number; max: number },
): number | undefined {
  if (value === undefined) return undefined;
  const n = value.trim() === "" ? Number.NaN : Number(value);
  if (!(n >= min && n <= max)) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max} (got '${value}').`);
  }
  return n;
}

/** Parses a flag whose value must be one of a contracts enum's options. */
export function enumFlag<T extends string>(name: string, value: string, options: readonly T[]): T;
export function enumFlag<T extends string>(
  name: string,
  value: string | undefined,
  options: readonly T[],
): T | undefined;
export function enumFlag<T extends string>(
  name: string,
  value: string | undefined,
  options: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  const found = options.find((o) => o === value);
  if (!found)
    throw new UsageError(`--${name} must be one of ${options.join(", ")} (got '${value}').`);
  return found;
}
