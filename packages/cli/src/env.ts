/**
 * The CLI's environment, validated once; no other file reads `process.env`.
 *
 * `LIMNER_BASE_URL` is the edge's API URL, with or without `/v1` (`LIMNER_URL`, the older name,
 * is still read). `LIMNER_API_KEY` authenticates `/v1` calls, `LIMNER_ADMIN_TOKEN` the admin API.
 *
 * @module
 */
import { DEFAULT_BASE_URL } from "@limner/sdk";
import { z } from "zod";
import { UsageError } from "./io";

const CliEnv = z.object({
  LIMNER_BASE_URL: z.url().optional(),
  LIMNER_URL: z.url().optional(),
  LIMNER_API_KEY: z.string().min(1).optional(),
  LIMNER_ADMIN_TOKEN: z.string().min(1).optional(),
});

export interface CliConfig {
  baseURL: string;
  apiKey: string | undefined;
  adminToken: string | undefined;
}

export function cliConfig(env: Record<string, string | undefined>): CliConfig {
  // An empty variable means unset, as shells make it easy to export one by accident.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  const parsed = CliEnv.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${issue?.path.join(".")} is not valid: ${issue?.message}.`);
  }
  const url = (parsed.data.LIMNER_BASE_URL ?? parsed.data.LIMNER_URL ?? DEFAULT_BASE_URL).replace(
    /\/+$/,
    "",
  );
  return {
    baseURL: url.endsWith("/v1") ? url : `${url}/v1`,
    apiKey: parsed.data.LIMNER_API_KEY,
    adminToken: parsed.data.LIMNER_ADMIN_TOKEN,
  };
}
