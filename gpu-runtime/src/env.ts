/**
 * The runtime's configuration, validated once at start-up. Nothing else in the runtime reads
 * `process.env`: `main.ts` calls {@link loadRuntimeEnv} and passes the result down. In-process
 * callers (evals, benches, tests) call {@link loadRuntimeConfig} with the settings they want:
 * the same schema less the HTTP server's address and token, which they have no use for.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { z } from "zod";

const DEFAULT_MODELS_DIR = fileURLToPath(new URL("../models", import.meta.url));

/** What `createRuntime` needs: models, inference and batching. */
const RuntimeConfigSchema = z.object({
  LIMNER_MODELS_DIR: z.string().min(1).default(DEFAULT_MODELS_DIR),
  /** Tried in order; a provider that is not installed is logged and skipped. */
  LIMNER_EXECUTION_PROVIDERS: z
    .string()
    .default("cuda,cpu")
    .transform((value) => value.split(",").map((p) => p.trim().toLowerCase()))
    .pipe(z.array(z.enum(["cuda", "cpu"])).min(1)),
  /** Threads each ONNX session may use; 0 means one per core. */
  LIMNER_INTRA_OP_THREADS: z.coerce.number().int().min(0).max(256).default(0),
  /** Dynamic batching: most requests in one batch (1 disables batching). */
  LIMNER_MAX_BATCH: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * Dynamic batching: longest an idle runtime holds a request to gather companions. 0 (default)
   * is continuous batching: work starts at once, and requests that arrive while a batch runs
   * are batched together — no added latency when traffic is light.
   */
  LIMNER_MAX_QUEUE_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(0),
  /** Requests queued beyond this are refused at once with a retry hint. */
  LIMNER_MAX_QUEUED: z.coerce.number().int().min(1).max(10_000).default(64),
  /** Images larger than this many pixels are refused before decoding (decompression bombs). */
  LIMNER_MAX_INPUT_PIXELS: z.coerce.number().int().min(1).default(16_777_216),
});

/** The HTTP server's environment: the runtime's configuration plus where and for whom it listens. */
const RuntimeEnvSchema = RuntimeConfigSchema.extend({
  LIMNER_RUNTIME_HOST: z.string().min(1).default("127.0.0.1"),
  /** 0 asks the OS for a free port; the chosen one is printed on start. */
  LIMNER_RUNTIME_PORT: z.coerce.number().int().min(0).max(65535).default(8788),
  /**
   * Shared secret the edge presents as `Authorization: Bearer …`. Required: a runtime that
   * answered anyone would let callers bypass the edge's keys and limits.
   */
  /** Slow clients (slowloris): a request's headers must arrive within this. */
  LIMNER_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** …and the whole request, body included (a 32 MiB upload on a slow link fits). */
  LIMNER_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  LIMNER_SERVICE_TOKEN: z
    .string()
    .min(16, "LIMNER_SERVICE_TOKEN must be at least 16 characters (use a random secret)"),
});

export type RuntimeConfig = z.infer<typeof RuntimeConfigSchema>;
export type RuntimeEnv = z.infer<typeof RuntimeEnvSchema>;

type Source = Record<string, string | undefined>;

/** The HTTP server's settings (`main.ts`), throwing one readable error that lists every bad variable. */
export function loadRuntimeEnv(source: Source): RuntimeEnv {
  return parse(RuntimeEnvSchema, source);
}

/**
 * The settings of a runtime used in-process, without an HTTP server: no token to invent.
 *
 * @example
 * ```ts
 * const runtime = createRuntime(loadRuntimeConfig({ LIMNER_INTRA_OP_THREADS: "2" }), "eval", log, {
 *   bundleDirs: ["models/limner-mini"],
 * });
 * ```
 */
export function loadRuntimeConfig(source: Source = {}): RuntimeConfig {
  return parse(RuntimeConfigSchema, source);
}

function parse<S extends z.ZodType>(schema: S, source: Source): z.output<S> {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid runtime configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}
