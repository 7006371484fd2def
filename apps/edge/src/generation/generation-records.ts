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

/** How often the edge invocation serving a generation stamps its row's `heartbeat_at`. */
export const HEARTBEAT_EVERY_MS = 2_000;

/**
 * A `running` row whose heartbeat is older than this has lost the edge invocation serving it (a
 * restart, a code reload, an eviction): five missed beats, so a busy isolate's late timers are
 * not mistaken for a death, while a retry waiting on it takes over within seconds.
 */
export const STALE_AFTER_MS = 5 * HEARTBEAT_EVERY_MS;

/**
 * SQL that is true while a `running` row's attempt may still answer, at time `now` (a bound
 * parameter). Rows written before heartbeats existed fall back to the reconciler's deadline.
 */
function attemptAlive(now: string): string {
  return `COALESCE(heartbeat_at + ${STALE_AFTER_MS}, created_at + ${ABANDONED_AFTER_MS}) > ${now}`;
}

/** Whether the attempt behind a `running` row may still answer (see {@link attemptAlive}). */
export function isAttemptAlive(
  row: { heartbeat_at: number | null; created_at: number },
  now = Date.now(),
): boolean {
  return row.heartbeat_at === null
    ? row.created_at + ABANDONED_AFTER_MS > now
    : row.heartbeat_at + STALE_AFTER_MS > now;
}

/**
 * Claims the request id for this key and records the generation as running. Returns false —
 * writing nothing — when a succeeded generation, or a running one whose attempt is alive,
 * already holds the id: two attempts racing past the replay check cannot both run.
 */
export async function recordStart(db: D1Database, g: GenerationStart): Promise<boolean> {
  const now = Date.now();
  const claimed = await db
    .prepare(
      `INSERT INTO generations
         (id, key_id, request_id, model, prompt, size, n, status, created_at, heartbeat_at)
       SELECT ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'running', ?1, ?1
       WHERE NOT EXISTS (SELECT 1 FROM generations WHERE key_id = ?3 AND request_id = ?4
                         AND (status = 'succeeded' OR (status = 'running' AND ${attemptAlive("?1")})))`,
    )
    .bind(now, g.id, g.keyId, g.requestId, g.model, g.prompt, g.size, g.n)
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
 * The reconciler: settles this key's `running` rows whose attempt is gone — a heartbeat older
 * than {@link STALE_AFTER_MS}, or (rows from before heartbeats) older than
 * {@link ABANDONED_AFTER_MS} — as `failed` / `abandoned` (no answer was delivered and nothing
 * stored). Run by the key's next generation, by a retry that finds its id's row dead, and by the
 * key's `KeyAuthority` alarm; returns how many rows it settled.
 */
export async function settleAbandoned(
  db: D1Database,
  keyId: string,
  now = Date.now(),
): Promise<number> {
  const settled = await db
    .prepare(
      `UPDATE generations SET status = 'failed', error_code = 'abandoned', finished_at = ?1
       WHERE key_id = ?2 AND status = 'running' AND NOT (${attemptAlive("?1")})`,
    )
    .bind(now, keyId)
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

/**
 * Stamps the row's heartbeat every {@link HEARTBEAT_EVERY_MS} while its attempt runs; call the
 * returned function when the attempt ends. The timer lives in the request's own context, so it
 * stops exactly when the invocation serving the generation dies.
 */
export function keepAlive(db: D1Database, generationId: string): () => void {
  const timer = setInterval(() => {
    // A failed stamp is retried by the next tick; only five in a row let a retry take over, which
    // is the intended outcome when D1 cannot be reached from this invocation any more.
    db.prepare("UPDATE generations SET heartbeat_at = ? WHERE id = ? AND status = 'running'")
      .bind(Date.now(), generationId)
      .run()
      .catch(() => undefined);
  }, HEARTBEAT_EVERY_MS);
  return () => clearInterval(timer);
}
