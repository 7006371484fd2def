/**
 * The edge's secrets on a box without Cloudflare's secret store: generated on first start into
 * `<data dir>/secrets.env` (mode 600) and read back on every later start, so API keys (hashed
 * in D1), signed file URLs (HMAC with `FILES_SIGNING_KEY`) and the admin token survive a
 * restart. A variable set in the environment wins over the file; that is how a token is
 * rotated (docs/deploy.md).
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";

export const SECRET_NAMES = [
  "RUNTIME_SERVICE_TOKEN",
  "FILES_SIGNING_KEY",
  "LIMNER_ADMIN_TOKEN",
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];
export type EdgeSecrets = Record<SecretName, string>;

export const SECRETS_FILE = "secrets.env";

/**
 * The secrets for this start, and which of them were generated now. The runtime reads its copy
 * of the service token as `LIMNER_SERVICE_TOKEN`, so that name is accepted for it too.
 */
export function loadEdgeSecrets(
  dataDir: string,
  source: Record<string, string | undefined>,
): { secrets: EdgeSecrets; generated: SecretName[]; file: string } {
  const file = join(dataDir, SECRETS_FILE);
  const stored = existsSync(file) ? parseEnv(readFileSync(file, "utf8")) : {};
  const fromEnv: Partial<Record<SecretName, string | undefined>> = {
    RUNTIME_SERVICE_TOKEN: source.RUNTIME_SERVICE_TOKEN ?? source.LIMNER_SERVICE_TOKEN,
    FILES_SIGNING_KEY: source.FILES_SIGNING_KEY,
    LIMNER_ADMIN_TOKEN: source.LIMNER_ADMIN_TOKEN,
  };
  const generated: SecretName[] = [];
  const secrets = {} as EdgeSecrets;
  for (const name of SECRET_NAMES) {
    const value = fromEnv[name] || stored[name];
    if (value) {
      secrets[name] = value;
    } else {
      secrets[name] = randomBytes(32).toString("base64url");
      generated.push(name);
    }
  }
  if (generated.length > 0) {
    // Only the file's own values and the new ones are written: a secret passed in the
    // environment stays where the operator keeps it.
    const keep = SECRET_NAMES.filter((name) => stored[name] || generated.includes(name));
    const lines = keep.map((name) => `${name}=${stored[name] || secrets[name]}`);
    writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
  }
  return { secrets, generated, file };
}
