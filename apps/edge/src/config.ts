/**
 * Bindings the worker receives and the configuration derived from them. Validated once per
 * `env` object (Workers hands the same object to every request of an isolate), and nowhere
 * else is `env` parsed.
 *
 * @module
 */
import { z } from "zod";

export interface EdgeBindings {
  DB: D1Database;
  FILES: R2Bucket;
  RUNTIME_URLS: string;
  RUNTIME_SERVICE_TOKEN?: string;
  /** Local development only: this exact key is accepted (it is stored hashed in D1 on first use). */
  LIMNER_DEV_KEY?: string;
}

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
});

export interface EdgeConfig {
  runtimeUrls: string[];
  runtimeServiceToken: string;
  devKey: string | undefined;
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
  const config: EdgeConfig = {
    runtimeUrls: parsed.data.RUNTIME_URLS,
    runtimeServiceToken: parsed.data.RUNTIME_SERVICE_TOKEN,
    devKey: parsed.data.LIMNER_DEV_KEY,
  };
  cache.set(env, config);
  return config;
}
