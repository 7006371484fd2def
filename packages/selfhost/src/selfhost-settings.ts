/**
 * The self-host command's configuration, read once from the environment (nothing else here
 * reads `process.env` for settings). Every variable is optional: the defaults are one box on
 * loopback with its own runtime and its state in `.limner-selfhost/`.
 *
 * @module
 */
import { resolve } from "node:path";
import { z } from "zod";

/** Wrangler vars an operator may set on the edge through the environment, passed on as they are. */
export const EDGE_VAR_NAMES = [
  "LIMNER_DEFAULT_MODEL",
  "UPSAMPLE_STRATEGY",
  "UPSAMPLE_LLM_PROVIDER",
  "UPSAMPLE_LLM_URL",
  "UPSAMPLE_LLM_KEY",
  "UPSAMPLE_LLM_MODEL",
  "LIMIT_REQUESTS_PER_MINUTE",
  "LIMIT_IMAGES_PER_MINUTE",
] as const;

const SettingsSchema = z.object({
  /** Everything that must survive a restart: D1, R2 and Durable Object storage, the secrets. */
  LIMNER_DATA_DIR: z.string().min(1).default(".limner-selfhost"),
  /** The one public address. `0.0.0.0` in a container. */
  LIMNER_HOST: z.string().min(1).default("127.0.0.1"),
  LIMNER_PORT: z.coerce.number().int().min(1).max(65535).default(8787),
  /**
   * Runtimes the edge calls (comma-separated). Absent: this command starts one runtime itself,
   * on loopback, so the edge's port is the only one that is reachable.
   */
  LIMNER_RUNTIME_URLS: z.string().min(1).optional(),
  /** A bundle built beforehand (`wrangler deploy --dry-run --outdir`), as the edge image has. */
  LIMNER_EDGE_BUNDLE: z.string().min(1).optional(),
  /** How long each step (build, migrations, runtime start) may take. */
  LIMNER_READY_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(180_000),
  LIMNER_VERBOSE: z.enum(["0", "1"]).default("0"),
});

export interface SelfhostSettings {
  dataDir: string;
  host: string;
  port: number;
  runtimeUrls: string[] | undefined;
  edgeBundle: string | undefined;
  readyTimeoutMs: number;
  verbose: boolean;
  edgeVars: Record<string, string>;
}

export function loadSelfhostSettings(source: Record<string, string | undefined>): SelfhostSettings {
  const parsed = SettingsSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid self-host configuration:\n${lines.join("\n")}`);
  }
  const data = parsed.data;
  const edgeVars: Record<string, string> = {};
  for (const name of EDGE_VAR_NAMES) {
    const value = source[name];
    if (value !== undefined && value !== "") edgeVars[name] = value;
  }
  return {
    dataDir: resolve(data.LIMNER_DATA_DIR),
    host: data.LIMNER_HOST,
    port: data.LIMNER_PORT,
    runtimeUrls: data.LIMNER_RUNTIME_URLS?.split(",").map((url) => url.trim()),
    edgeBundle: data.LIMNER_EDGE_BUNDLE && resolve(data.LIMNER_EDGE_BUNDLE),
    readyTimeoutMs: data.LIMNER_READY_TIMEOUT_MS,
    verbose: data.LIMNER_VERBOSE === "1",
    edgeVars,
  };
}
