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

export async function recordStart(db: D1Database, g: GenerationStart): Promise<void> {
  const day = new Date().toISOString().slice(0, 10);
  await db.batch([
    db
      .prepare(
        `INSERT INTO generations (id, key_id, request_id, model, prompt, size, n, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?)`,
      )
      .bind(g.id, g.keyId, g.requestId, g.model, g.prompt, g.size, g.n, Date.now()),
    db
      .prepare(
        `INSERT INTO usage_ledger (key_id, day, requests, images) VALUES (?, ?, 1, 0)
         ON CONFLICT (key_id, day) DO UPDATE SET requests = requests + 1`,
      )
      .bind(g.keyId, day),
  ]);
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
