/**
 * Idempotent generations. The SDK (and any client) sends one `x-request-id` on every retry of
 * a call; when a generation with that id already exists for the key, the edge answers from it
 * instead of generating again: a finished one is replayed from D1 and R2, a running one answers
 * 409 `request_in_progress` with `retry-after` (clients retry 409) while the edge invocation
 * serving it is alive (its heartbeat, `generation-records.ts`), a failed or dead one runs again.
 * Reusing an id for a different request is refused (400 `request_id_reused`).
 *
 * @module
 */
import {
  type AnyImageGenerationRequest,
  ImageGenerationMetadata,
  type ImageGenerationResponse,
} from "@limner/contracts";
import { apiError } from "../api-error";
import { bytesToBase64 } from "../base64";
import { signFileUrl } from "../files/signed-url";
import type { GenerationContext } from "./generate-images";
import { isAttemptAlive, settleAbandoned } from "./generation-records";
import { requestSurface } from "./request-surface";

interface GenerationRow {
  id: string;
  model: string;
  prompt: string;
  size: string;
  n: number;
  status: "running" | "succeeded" | "failed";
  created_at: number;
  heartbeat_at: number | null;
  revised_prompt: string | null;
  metadata: string | null;
  finished_at: number | null;
}

/** How long a client should wait before asking again about a running generation. */
const RETRY_RUNNING_AFTER_S = 2;

/** 409 with `retry-after`: an earlier attempt with this id is still running. */
export function inProgress(requestId: string) {
  return apiError(
    "request_in_progress",
    `A generation with request id '${requestId}' is still running; retry to get its result.`,
    null,
    { "retry-after": String(RETRY_RUNNING_AFTER_S) },
  );
}

/** {@link replayGeneration}'s answer while an earlier attempt with the id is alive. */
export const RUNNING = Symbol("running");

/**
 * The stored answer to this request id, {@link RUNNING} while an earlier attempt with it is
 * alive, or `undefined` when the request should run. Throws when the id named a different
 * request.
 */
export async function replayGeneration(
  ctx: GenerationContext,
  request: AnyImageGenerationRequest,
  model: string,
): Promise<ImageGenerationResponse | typeof RUNNING | undefined> {
  const row = await ctx.env.DB.prepare(
    `SELECT id, model, prompt, size, n, status, revised_prompt, metadata, finished_at, created_at,
       heartbeat_at FROM generations WHERE key_id = ? AND request_id = ? ORDER BY created_at DESC LIMIT 1`,
  )
    .bind(ctx.apiKey.id, ctx.requestId)
    .first<GenerationRow>();
  if (!row || row.status === "failed") return undefined;
  if (
    row.prompt !== request.prompt ||
    row.size !== request.size ||
    row.n !== request.n ||
    row.model !== model
  ) {
    throw apiError(
      "request_id_reused",
      `The request id '${ctx.requestId}' was already used for a different generation; send a new id.`,
      "x-request-id",
    );
  }
  if (row.status === "running") {
    if (isAttemptAlive(row)) return RUNNING;
    // The attempt's edge invocation died (restart, reload, eviction): settle it and run again.
    // Its runtime call stopped with it, and the runtime's id is the same, so nothing runs twice.
    await settleAbandoned(ctx.env.DB, ctx.apiKey.id);
    return undefined;
  }
  const files = await ctx.env.DB.prepare(
    "SELECT id FROM files WHERE generation_id = ? ORDER BY rowid",
  )
    .bind(row.id)
    .all<{ id: string }>();
  const data = await Promise.all(
    files.results.map(async ({ id }) => ({
      ...(requestSurface(request).responseFormat === "b64_json"
        ? { b64_json: await storedBase64(ctx, id) }
        : { url: await signFileUrl(ctx.origin, id, ctx.config.filesSigningKey) }),
      revised_prompt: row.revised_prompt ?? request.prompt,
    })),
  );
  const metadata = ImageGenerationMetadata.safeParse(JSON.parse(row.metadata ?? "null"));
  return {
    created: Math.floor((row.finished_at ?? Date.now()) / 1000),
    data,
    ...(metadata.success ? { limner: metadata.data } : {}),
  };
}

async function storedBase64(ctx: GenerationContext, id: string): Promise<string> {
  const object = await ctx.env.FILES.get(`images/${id}`);
  if (!object) throw apiError("internal_error", `The stored image ${id} is missing.`);
  return bytesToBase64(new Uint8Array(await object.arrayBuffer()));
}
