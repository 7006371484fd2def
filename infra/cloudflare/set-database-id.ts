/**
 * Writes a D1 database id into one environment's binding in apps/edge/wrangler.jsonc, in place
 * of that environment's placeholder (or its previous id), leaving every comment and the local
 * default untouched. Used by infra/cloudflare/setup.sh.
 *
 * Usage: node --import tsx infra/cloudflare/set-database-id.ts <staging|production> <uuid>
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CONFIG = fileURLToPath(new URL("../../apps/edge/wrangler.jsonc", import.meta.url));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function setDatabaseId(config: string, env: string, uuid: string): string {
  if (!UUID.test(uuid)) throw new Error(`not a D1 database id: ${uuid}`);
  // The binding of `"database_name": "limner-<env>"`; the id is the next field in its block.
  const block = new RegExp(
    `("database_name":\\s*"limner-${env}",\\s*"database_id":\\s*")[0-9a-f-]{36}(")`,
  );
  if (!block.test(config)) throw new Error(`no D1 binding for limner-${env} in wrangler.jsonc`);
  return config.replace(block, `$1${uuid}$2`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [env, uuid] = process.argv.slice(2);
  if ((env !== "staging" && env !== "production") || !uuid) {
    console.error("usage: set-database-id.ts <staging|production> <uuid>");
    process.exit(2);
  }
  writeFileSync(CONFIG, setDatabaseId(readFileSync(CONFIG, "utf8"), env, uuid));
  console.log(`apps/edge/wrangler.jsonc: env.${env} D1 binding now points at ${uuid}`);
}
