/**
 * Whether a key hash names a stored key at all — asked before a request reaches the key's
 * `KeyAuthority`, because a Durable Object that receives a call gets storage of its own: made-up
 * keys would otherwise each leave a SQLite file behind, unauthenticated. The question is one
 * indexed D1 read; answers are kept per isolate:
 *
 * - **known** hashes for good (bounded): keys are revoked, never deleted, and revocation is the
 *   authority's business, which it answers from D1 itself;
 * - **unknown** hashes briefly ({@link NEGATIVE_TTL_MS}), so a flood of one made-up key costs one
 *   read per 5 s and isolate. A key minted later cannot be hit by a kept negative: its secret is random and
 *   nobody presented it before; the dev key is written before it is first looked up. Only a
 *   key written to D1 by hand after being presented waits out the few seconds.
 *
 * @module
 */

/** How long "no such key" is kept. */
export const NEGATIVE_TTL_MS = 5_000;
/** Most hashes kept of each kind; the oldest go first. */
const MAX_ENTRIES = 10_000;

const known = new Set<string>();
const unknownUntil = new Map<string, number>();

/** Makes room for one more entry (insertion order is age order). */
function makeRoom(store: Set<string> | Map<string, unknown>): void {
  if (store.size < MAX_ENTRIES) return;
  const oldest = store.keys().next();
  if (!oldest.done) store.delete(oldest.value);
}

/** True when `keyHash` is stored in D1 (active or revoked). */
export async function keyExists(
  db: D1Database,
  keyHash: string,
  now = Date.now(),
): Promise<boolean> {
  if (known.has(keyHash)) return true;
  const until = unknownUntil.get(keyHash);
  if (until !== undefined && until > now) return false;
  const row = await db
    .prepare("SELECT 1 AS found FROM api_keys WHERE key_hash = ?")
    .bind(keyHash)
    .first();
  if (row) {
    unknownUntil.delete(keyHash);
    makeRoom(known);
    known.add(keyHash);
    return true;
  }
  unknownUntil.delete(keyHash);
  makeRoom(unknownUntil);
  unknownUntil.set(keyHash, now + NEGATIVE_TTL_MS);
  return false;
}
