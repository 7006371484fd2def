/**
 * D1 bookkeeping for generations: a row per request (running → succeeded/failed), a row per
 * stored file, and the per-key daily usage ledger.
 *
 * @module
 */
import type { ImageGenerationMetadata } from "@limner/contracts";

export interface GenerationStart {
  id: string;
  keyId: string;
  requestId: string;
  model: string;
  prompt: string;
  size: string;
  n: number;
}

/**
 * Claims the request id for this key and records the generation as running. Returns false —
 * writing nothing — when a running or succeeded generation already holds the id: two attempts
 * racing past the replay check cannot both run.
 */
export async function recordStart(db: D1Database, g: GenerationStart): Promise<boolean> {
  const claimed = await db
    .prepare(
      `INSERT INTO generations (id, key_id, request_id, model, prompt, size, n, status, created_at)
       SELECT ?, ?, ?, ?, ?, ?, ?, 'running', ?
       WHERE NOT EXISTS (SELECT 1 FROM generations WHERE key_id = ? AND request_id = ?
                         AND status IN ('running', 'succeeded'))`,
    )
    .bind(
      g.id,
      g.keyId,
      g.requestId,
      g.model,
      g.prompt,
      g.size,
      g.n,
      Date.now(),
      g.keyId,
      g.requestId,
    )
    .run();
  if (claimed.meta.changes !== 1) return false;
  const day = new Date().toISOString().slice(0, 10);
  await db
    .prepare(
      `INSERT INTO usage_ledger (key_id, day, requests, images) VALUES (?, ?, 1, 0)
       ON CONFLICT (key_id, day) DO UPDATE SET requests = requests + 1`,
    )
    .bind(g.keyId, day)
    .run();
  return true;
}

export interface StoredFile {
  id: string;
  mimeType: string;
  width: number;
  height: number;
  bytes: number;
}

export async function recordSuccess(
  db: D1Database,
  generationId: string,
  keyId: string,
  details: {
    revisedPrompt: string;
    seed: number;
    timings: Record<string, number>;
    files: StoredFile[];
    /** The answer's `limner` object, replayed with it for a repeated request id. */
    metadata: ImageGenerationMetadata | undefined;
  },
): Promise<void> {
  const now = Date.now();
  const day = new Date(now).toISOString().slice(0, 10);
  await db.batch([
    db
      .prepare(
        `UPDATE generations SET status = 'succeeded', revised_prompt = ?, seed = ?, timings = ?, metadata = ?,
           finished_at = ? WHERE id = ?`,
      )
      .bind(
        details.revisedPrompt,
        details.seed,
        JSON.stringify(details.timings),
        details.metadata === undefined ? null : JSON.stringify(details.metadata),
        now,
        generationId,
      ),
    ...details.files.map((f) =>
      db
        .prepare(
          `INSERT INTO files (id, generation_id, mime_type, width, height, bytes, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .bind(f.id, generationId, f.mimeType, f.width, f.height, f.bytes, now),
    ),
    db
      .prepare("UPDATE usage_ledger SET images = images + ? WHERE key_id = ? AND day = ?")
      .bind(details.files.length, keyId, day),
  ]);
}

export async function recordFailure(
  db: D1Database,
  generationId: string,
  errorCode: string,
): Promise<void> {
  await db
    .prepare(
      "UPDATE generations SET status = 'failed', error_code = ?, finished_at = ? WHERE id = ?",
    )
    .bind(errorCode, Date.now(), generationId)
    .run();
}

/**
 * A `running` row older than this has no attempt left that could finish it: the edge gives a
 * runtime five minutes (`GENERATION_DEADLINE_MS`), and the edge instance that ran it is gone (restarted,
 * evicted, or its client's request was cancelled before the row was written).
 */
export const ABANDONED_AFTER_MS = 5 * 60 * 1000 + 60_000;

/**
 * The reconciler: settles this key's rows left `running` past {@link ABANDONED_AFTER_MS} as
 * `failed` / `abandoned` (no answer was delivered and nothing stored). Run by the key's next
 * generation and by its `KeyAuthority`'s alarm; returns how many rows it settled.
 */
export async function settleAbandoned(
  db: D1Database,
  keyId: string,
  now = Date.now(),
): Promise<number> {
  const settled = await db
    .prepare(
      `UPDATE generations SET status = 'failed', error_code = 'abandoned', finished_at = ?
       WHERE key_id = ? AND status = 'running' AND created_at < ?`,
    )
    .bind(now, keyId, now - ABANDONED_AFTER_MS)
    .run();
  return settled.meta.changes;
}

/** Creation time of the key's oldest row still `running`, if any (when to look again). */
export async function oldestRunning(db: D1Database, keyId: string): Promise<number | null> {
  const row = await db
    .prepare(
      "SELECT MIN(created_at) AS at FROM generations WHERE key_id = ? AND status = 'running'",
    )
    .bind(keyId)
    .first<{ at: number | null }>();
  return row?.at ?? null;
}
