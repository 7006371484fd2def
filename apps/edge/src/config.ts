/**
 * Bindings the worker receives and the configuration derived from them. Validated once per
 * `env` object (Workers hands the same object to every request of an isolate), and nowhere
 * else is `env` parsed.
 *
 * @module
 */
import { DEFAULT_IMAGE_MODEL } from "@limner/contracts";
import { z } from "zod";
import type { KeyAuthority } from "./keys/key-authority";

export interface EdgeBindings {
  DB: D1Database;
  FILES: R2Bucket;
  /** One {@link KeyAuthority} per API key, addressed by `idFromName(sha256Hex(key))`. */
  KEY_AUTHORITY: DurableObjectNamespace<KeyAuthority>;
  RUNTIME_URLS: string;
  RUNTIME_SERVICE_TOKEN?: string;
  /** Local development only: this exact key is accepted (it is stored hashed in D1 on first use). */
  LIMNER_DEV_KEY?: string;
  /** Secret for signing file URLs (HMAC-SHA256); at least 32 characters. */
  FILES_SIGNING_KEY?: string;
  /** The model `dall-e-3` and an absent `model` mean. */
  LIMNER_DEFAULT_MODEL?: string;
  /** Prompt upsampling strategy: `model` (default), `llm` or `off`. */
  UPSAMPLE_STRATEGY?: string;
  /** For `llm` upsampling: an OpenAI-compatible chat completions base URL, key and model. */
  UPSAMPLE_LLM_URL?: string;
  UPSAMPLE_LLM_KEY?: string;
  UPSAMPLE_LLM_MODEL?: string;
  /** Bearer token for `/admin/*` (a wrangler secret, ≥ 32 characters); absent hides those routes. */
  LIMNER_ADMIN_TOKEN?: string;
  /** Per-key defaults for keys without their own limits (wrangler vars, so strings). */
  LIMIT_REQUESTS_PER_MINUTE?: string;
  LIMIT_IMAGES_PER_MINUTE?: string;
}

/** The largest per-minute limit a deployment or a key may set. */
export const MAX_LIMIT_PER_MINUTE = 1_000_000;
const perMinute = (fallback: number) =>
  z.coerce.number().int().min(1).max(MAX_LIMIT_PER_MINUTE).default(fallback);

export const API_KEY_PATTERN = /^lmn_[A-Za-z0-9_-]{16,128}$/;

const EdgeConfigSchema = z.object({
  RUNTIME_URLS: z
    .string()
    .transform((value) => value.split(",").map((url) => url.trim().replace(/\/+$/, "")))
    .pipe(z.array(z.url({ protocol: /^https?$/ })).min(1)),
  RUNTIME_SERVICE_TOKEN: z.string().min(16, "must be a secret of at least 16 characters"),
  LIMNER_DEV_KEY: z
    .string()
    .regex(API_KEY_PATTERN, "must look like lmn_ followed by 16+ letters, digits, _ or -")
    .optional(),
  FILES_SIGNING_KEY: z.string().min(32, "must be a secret of at least 32 characters"),
  LIMNER_DEFAULT_MODEL: z.string().min(1).default(DEFAULT_IMAGE_MODEL),
  UPSAMPLE_STRATEGY: z.enum(["model", "llm", "off"]).default("model"),
  UPSAMPLE_LLM_URL: z.url({ protocol: /^https?$/ }).optional(),
  UPSAMPLE_LLM_KEY: z.string().optional(),
  UPSAMPLE_LLM_MODEL: z.string().default("gpt-4o-mini"),
  LIMNER_ADMIN_TOKEN: z.string().min(32, "must be a secret of at least 32 characters").optional(),
  LIMIT_REQUESTS_PER_MINUTE: perMinute(60),
  LIMIT_IMAGES_PER_MINUTE: perMinute(30),
});

export interface EdgeConfig {
  runtimeUrls: string[];
  runtimeServiceToken: string;
  devKey: string | undefined;
  filesSigningKey: string;
  defaultModel: string;
  upsampling:
    | { strategy: "model" | "off" }
    | { strategy: "llm"; url: string; apiKey: string | undefined; model: string };
  /** `undefined` when no admin token is set: the admin routes then do not exist. */
  adminToken: string | undefined;
  /** Limits for keys that have none of their own. */
  defaultLimits: { requestsPerMinute: number; imagesPerMinute: number };
}

const cache = new WeakMap<object, EdgeConfig>();

/** The validated configuration for these bindings; throws naming every bad variable. */
export function edgeConfig(env: EdgeBindings): EdgeConfig {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = EdgeConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`Edge misconfigured: ${problems.join("; ")}`);
  }
  const data = parsed.data;
  if (data.UPSAMPLE_STRATEGY === "llm" && !data.UPSAMPLE_LLM_URL) {
    throw new Error("Edge misconfigured: UPSAMPLE_STRATEGY=llm needs UPSAMPLE_LLM_URL");
  }
  const config: EdgeConfig = {
    runtimeUrls: data.RUNTIME_URLS,
    runtimeServiceToken: data.RUNTIME_SERVICE_TOKEN,
    devKey: data.LIMNER_DEV_KEY,
    filesSigningKey: data.FILES_SIGNING_KEY,
    defaultModel: data.LIMNER_DEFAULT_MODEL,
    upsampling:
      data.UPSAMPLE_STRATEGY === "llm" && data.UPSAMPLE_LLM_URL
        ? {
            strategy: "llm",
            url: data.UPSAMPLE_LLM_URL,
            apiKey: data.UPSAMPLE_LLM_KEY,
            model: data.UPSAMPLE_LLM_MODEL,
          }
        : { strategy: data.UPSAMPLE_STRATEGY === "llm" ? "model" : data.UPSAMPLE_STRATEGY },
    adminToken: data.LIMNER_ADMIN_TOKEN,
    defaultLimits: {
      requestsPerMinute: data.LIMIT_REQUESTS_PER_MINUTE,
      imagesPerMinute: data.LIMIT_IMAGES_PER_MINUTE,
    },
  };
  cache.set(env, config);
  return config;
}
