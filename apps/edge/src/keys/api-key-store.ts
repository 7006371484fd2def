/**
 * API keys in D1. Only SHA-256 hashes are stored: a leaked database does not leak usable keys.
 * Looking a key up by its hash is also what makes the check constant-time with respect to the
 * secret — the comparison happens on digests the caller cannot steer byte by byte.
 *
 * @module
 */

export interface AuthenticatedKey {
  id: string;
  prefix: string;
  label: string;
  scopes: string[];
}

interface ApiKeyRow {
  id: string;
  prefix: string;
  label: string;
  scopes: string;
  revoked_at: number | null;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The shown, non-secret part of a key: `lmn_` plus four characters. */
export function keyPrefix(key: string): string {
  return key.slice(0, 8);
}

export type KeyLookup =
  | { status: "active"; key: AuthenticatedKey }
  | { status: "revoked" }
  | { status: "unknown" };

export async function lookupKey(db: D1Database, key: string): Promise<KeyLookup> {
  const row = await db
    .prepare("SELECT id, prefix, label, scopes, revoked_at FROM api_keys WHERE key_hash = ?")
    .bind(await sha256Hex(key))
    .first<ApiKeyRow>();
  if (!row) return { status: "unknown" };
  if (row.revoked_at !== null) return { status: "revoked" };
  return {
    status: "active",
    key: { id: row.id, prefix: row.prefix, label: row.label, scopes: row.scopes.split(",") },
  };
}

/** Stores a key the caller already holds (the dev key); a second call is a no-op. */
export async function ensureKey(db: D1Database, key: string, label: string): Promise<void> {
  await db
    .prepare(
      `INSERT INTO api_keys (id, prefix, key_hash, label, scopes, created_at)
       VALUES (?, ?, ?, ?, 'images', ?) ON CONFLICT (key_hash) DO NOTHING`,
    )
    .bind(crypto.randomUUID(), keyPrefix(key), await sha256Hex(key), label, Date.now())
    .run();
}
