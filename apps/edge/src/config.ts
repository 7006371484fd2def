/**
 * Bindings the worker receives and the configuration derived from them. Validated once per
 * `env` object (Workers hands the same object to every request of an isolate), and nowhere
 * else is `env` parsed.
 *
 * @module
 */
import { DEFAULT_IMAGE_MODEL, MAX_LIMIT_PER_MINUTE } from "@limner/contracts";
import { z } from "zod";
import type { KeyAuthority } from "./keys/key-authority";
import { DEFAULT_OPENAI_MODEL } from "./upsampling/openai-chat";
import { DEFAULT_WORKERS_AI_MODEL, type WorkersAiBinding } from "./upsampling/workers-ai-chat";

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
  /** For `llm` upsampling: `openai` (default, an OpenAI-compatible endpoint) or `workers-ai`. */
  UPSAMPLE_LLM_PROVIDER?: string;
  /** For the `openai` provider: the chat completions base URL and its key. */
  UPSAMPLE_LLM_URL?: string;
  UPSAMPLE_LLM_KEY?: string;
  /** For `llm` upsampling: the model; defaults to `gpt-4o-mini` or a Workers AI Llama. */
  UPSAMPLE_LLM_MODEL?: string;
  /**
   * For the `workers-ai` provider: the Workers AI binding. Deliberately absent from the default
   * wrangler config, because `wrangler dev` always sends it to Cloudflare (docs/edge.md).
   */
  AI?: WorkersAiBinding;
  /** Bearer token for `/admin/*` (a wrangler secret, ≥ 32 characters); absent hides those routes. */
  LIMNER_ADMIN_TOKEN?: string;
  /** Per-key defaults for keys without their own limits (wrangler vars, so strings). */
  LIMIT_REQUESTS_PER_MINUTE?: string;
  LIMIT_IMAGES_PER_MINUTE?: string;
}

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
  UPSAMPLE_LLM_PROVIDER: z.enum(["openai", "workers-ai"]).default("openai"),
  UPSAMPLE_LLM_URL: z.url({ protocol: /^https?$/ }).optional(),
  UPSAMPLE_LLM_KEY: z.string().optional(),
  UPSAMPLE_LLM_MODEL: z.string().min(1).optional(),
  AI: z
    .custom<WorkersAiBinding>(
      (value) =>
        typeof value === "object" &&
        value !== null &&
        "run" in value &&
        typeof value.run === "function",
      "must be a Workers AI binding (an `ai` block in the wrangler config)",
    )
    .optional(),
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
  upsampling: UpsamplingConfig;
  /** `undefined` when no admin token is set: the admin routes then do not exist. */
  adminToken: string | undefined;
  /** Limits for keys that have none of their own. */
  defaultLimits: { requestsPerMinute: number; imagesPerMinute: number };
}

export type UpsamplingConfig =
  | { strategy: "model" | "off" }
  | {
      strategy: "llm";
      provider: "openai";
      url: string;
      apiKey: string | undefined;
      model: string;
    }
  | { strategy: "llm"; provider: "workers-ai"; binding: WorkersAiBinding; model: string };

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
  const config: EdgeConfig = {
    runtimeUrls: data.RUNTIME_URLS,
    runtimeServiceToken: data.RUNTIME_SERVICE_TOKEN,
    devKey: data.LIMNER_DEV_KEY,
    filesSigningKey: data.FILES_SIGNING_KEY,
    defaultModel: data.LIMNER_DEFAULT_MODEL,
    upsampling: upsamplingConfig(data),
    adminToken: data.LIMNER_ADMIN_TOKEN,
    defaultLimits: {
      requestsPerMinute: data.LIMIT_REQUESTS_PER_MINUTE,
      imagesPerMinute: data.LIMIT_IMAGES_PER_MINUTE,
    },
  };
  cache.set(env, config);
  return config;
}

/**
 * `llm` upsampling goes to the provider `UPSAMPLE_LLM_PROVIDER` names, never to whichever
 * happens to be configured: settings for the other provider are refused rather than ignored.
 */
function upsamplingConfig(data: z.infer<typeof EdgeConfigSchema>): UpsamplingConfig {
  if (data.UPSAMPLE_STRATEGY !== "llm") return { strategy: data.UPSAMPLE_STRATEGY };
  if (data.UPSAMPLE_LLM_PROVIDER === "workers-ai") {
    if (!data.AI) {
      throw new Error(
        "Edge misconfigured: UPSAMPLE_LLM_PROVIDER=workers-ai needs a Workers AI binding named AI (an `ai` block in the wrangler config)",
      );
    }
    if (data.UPSAMPLE_LLM_URL !== undefined || data.UPSAMPLE_LLM_KEY !== undefined) {
      throw new Error(
        "Edge misconfigured: UPSAMPLE_LLM_URL and UPSAMPLE_LLM_KEY are for UPSAMPLE_LLM_PROVIDER=openai, not workers-ai",
      );
    }
    return {
      strategy: "llm",
      provider: "workers-ai",
      binding: data.AI,
      model: data.UPSAMPLE_LLM_MODEL ?? DEFAULT_WORKERS_AI_MODEL,
    };
  }
  if (!data.UPSAMPLE_LLM_URL) {
    throw new Error(
      "Edge misconfigured: UPSAMPLE_STRATEGY=llm needs UPSAMPLE_LLM_URL (an OpenAI-compatible endpoint), or UPSAMPLE_LLM_PROVIDER=workers-ai and a Workers AI binding named AI",
    );
  }
  return {
    strategy: "llm",
    provider: "openai",
    url: data.UPSAMPLE_LLM_URL,
    apiKey: data.UPSAMPLE_LLM_KEY,
    model: data.UPSAMPLE_LLM_MODEL ?? DEFAULT_OPENAI_MODEL,
  };
}
