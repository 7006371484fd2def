/**
 * The runtime's configuration, validated once at start-up. Nothing else in the runtime reads
 * `process.env`: `main.ts` calls {@link loadRuntimeEnv} and passes the result down.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { z } from "zod";

const DEFAULT_MODELS_DIR = fileURLToPath(new URL("../models", import.meta.url));

const RuntimeEnvSchema = z.object({
  LIMNER_RUNTIME_HOST: z.string().min(1).default("127.0.0.1"),
  /** 0 asks the OS for a free port; the chosen one is printed on start. */
  LIMNER_RUNTIME_PORT: z.coerce.number().int().min(0).max(65535).default(8788),
  /**
   * Shared secret the edge presents as `Authorization: Bearer …`. Required: a runtime that
   * answered anyone would let callers bypass the edge's keys and limits.
   */
  LIMNER_SERVICE_TOKEN: z
    .string()
    .min(16, "LIMNER_SERVICE_TOKEN must be at least 16 characters (use a random secret)"),
  LIMNER_MODELS_DIR: z.string().min(1).default(DEFAULT_MODELS_DIR),
});

export type RuntimeEnv = z.infer<typeof RuntimeEnvSchema>;

/** Parses the environment, throwing one readable error that lists every bad variable. */
export function loadRuntimeEnv(source: Record<string, string | undefined>): RuntimeEnv {
  const parsed = RuntimeEnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid runtime configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}
