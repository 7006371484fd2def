/**
 * API keys in D1. Only SHA-256 hashes are stored: a leaked database does not leak usable keys.
 * Looking a key up by its hash is also what makes the check constant-time with respect to the
 * secret — the comparison happens on digests the caller cannot steer byte by byte.
 *
 * @module
 */

import type { KeyScope } from "@limner/contracts";

/** A key's own limits; `null` means the deployment's default. */
export interface KeyLimits {
  requestsPerMinute: number | null;
  imagesPerMinute: number | null;
}

export interface AuthenticatedKey {
  id: string;
  prefix: string;
  label: string;
  scopes: string[];
  limits: KeyLimits;
  /** Epoch ms of the last recorded use (recorded at most once per {@link LAST_USED_RESOLUTION_MS}). */
  lastUsedAt: number | null;
}

/** A key as listed to operators: never the secret, never its hash. */
export interface StoredKey extends AuthenticatedKey {
  createdAt: number;
  revokedAt: number | null;
}

interface ApiKeyRow {
  id: string;
  prefix: string;
  label: string;
  scopes: string;
  requests_per_minute: number | null;
  images_per_minute: number | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

const PUBLIC_COLUMNS =
  "id, prefix, label, scopes, requests_per_minute, images_per_minute, created_at, last_used_at, revoked_at";

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The shown, non-secret part of a key: `lmn_` plus four characters. */
export function keyPrefix(key: string): string {
  return key.slice(0, 8);
}

function toAuthenticatedKey(row: ApiKeyRow): AuthenticatedKey {
  return {
    id: row.id,
    prefix: row.prefix,
    label: row.label,
    scopes: row.scopes.split(","),
    limits: { requestsPerMinute: row.requests_per_minute, imagesPerMinute: row.images_per_minute },
    lastUsedAt: row.last_used_at,
  };
}

function toStoredKey(row: ApiKeyRow): StoredKey {
  return { ...toAuthenticatedKey(row), createdAt: row.created_at, revokedAt: row.revoked_at };
}

export type KeyLookup =
  | { status: "active"; key: AuthenticatedKey }
  | { status: "revoked" }
  | { status: "unknown" };

/** The key whose SHA-256 is `keyHash` (see {@link sha256Hex}). */
export async function lookupKey(db: D1Database, keyHash: string): Promise<KeyLookup> {
  const row = await db
    .prepare(`SELECT ${PUBLIC_COLUMNS} FROM api_keys WHERE key_hash = ?`)
    .bind(keyHash)
    .first<ApiKeyRow>();
  if (!row) return { status: "unknown" };
  if (row.revoked_at !== null) return { status: "revoked" };
  return { status: "active", key: toAuthenticatedKey(row) };
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

function randomToken(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** A fresh secret: `lmn_` + 32 random bytes, base64url (43 characters). */
export function generateApiKey(): string {
  return `lmn_${randomToken(32)}`;
}

export interface MintOptions {
  label: string;
  scopes?: readonly KeyScope[];
  limits?: Partial<KeyLimits>;
  now?: number;
}

/** Creates a key and returns it with its secret — the only time the secret exists in clear. */
export async function mintKey(
  db: D1Database,
  { label, scopes = ["images"], limits = {}, now = Date.now() }: MintOptions,
): Promise<{ secret: string; key: StoredKey }> {
  const secret = generateApiKey();
  const row: ApiKeyRow = {
    id: `key_${randomToken(12)}`,
    prefix: keyPrefix(secret),
    label,
    scopes: [...new Set(scopes)].join(","),
    requests_per_minute: limits.requestsPerMinute ?? null,
    images_per_minute: limits.imagesPerMinute ?? null,
    created_at: now,
    last_used_at: null,
    revoked_at: null,
  };
  await db
    .prepare(
      `INSERT INTO api_keys (id, prefix, key_hash, label, scopes, requests_per_minute, images_per_minute, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      row.id,
      row.prefix,
      await sha256Hex(secret),
      row.label,
      row.scopes,
      row.requests_per_minute,
      row.images_per_minute,
      row.created_at,
    )
    .run();
  return { secret, key: toStoredKey(row) };
}

/** Every key, revoked ones included, oldest first. */
export async function listKeys(db: D1Database): Promise<StoredKey[]> {
  const { results } = await db
    .prepare(`SELECT ${PUBLIC_COLUMNS} FROM api_keys ORDER BY created_at, id`)
    .all<ApiKeyRow>();
  return results.map(toStoredKey);
}

/**
 * Revokes a key (idempotent: a revoked key keeps its first revocation time); `null` if unknown.
 * Also gives the key's hash, which addresses the key's `KeyAuthority` — for the edge to tell
 * it, never for an answer.
 */
export async function revokeKey(
  db: D1Database,
  id: string,
  now = Date.now(),
): Promise<{ key: StoredKey; keyHash: string } | null> {
  const row = await db
    .prepare(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING ${PUBLIC_COLUMNS}, key_hash`,
    )
    .bind(now, id)
    .first<ApiKeyRow & { key_hash: string }>();
  return row ? { key: toStoredKey(row), keyHash: row.key_hash } : null;
}

/** `last_used_at` is kept to this resolution, so a busy key costs one write a minute, not one a request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export function lastUseIsStale(lastUsedAt: number | null, now: number): boolean {
  return lastUsedAt === null || now - lastUsedAt >= LAST_USED_RESOLUTION_MS;
}

/** Records a use; the condition keeps concurrent requests from rewriting a fresh value. */
export async function touchKey(db: D1Database, id: string, now = Date.now()): Promise<void> {
  await db
    .prepare(
      "UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)",
    )
    .bind(now, id, now - LAST_USED_RESOLUTION_MS)
    .run();
}
