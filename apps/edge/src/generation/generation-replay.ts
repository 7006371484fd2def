/**
 * Idempotent generations. The SDK (and any client) sends one `x-request-id` on every retry of
 * a call; when a generation with that id already exists for the key, the edge answers from it
 * instead of generating again: a finished one is replayed from D1 and R2, a running one answers
 * 409 `request_in_progress` with `retry-after` (clients retry 409), a failed one may run again.
 * Reusing an id for a different request is refused (400 `request_id_reused`).
 *
 * @module
 */
import {
  ImageGenerationMetadata,
  type ImageGenerationRequest,
  type ImageGenerationResponse,
} from "@limner/contracts";
import { apiError } from "../api-error";
import { bytesToBase64 } from "../base64";
import { signFileUrl } from "../files/signed-url";
import type { GenerationContext } from "./generate-images";

interface GenerationRow {
  id: string;
  model: string;
  prompt: string;
  size: string;
  n: number;
  status: "running" | "succeeded" | "failed";
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

/**
 * The stored answer to this request id, or `undefined` when the request should run. Throws
 * while an earlier attempt is still running, or when the id named a different request.
 */
export async function replayGeneration(
  ctx: GenerationContext,
  request: ImageGenerationRequest,
  model: string,
): Promise<ImageGenerationResponse | undefined> {
  const row = await ctx.env.DB.prepare(
    `SELECT id, model, prompt, size, n, status, revised_prompt, metadata, finished_at
     FROM generations WHERE key_id = ? AND request_id = ? ORDER BY created_at DESC LIMIT 1`,
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
  if (row.status === "running") throw inProgress(ctx.requestId);
  const files = await ctx.env.DB.prepare(
    "SELECT id FROM files WHERE generation_id = ? ORDER BY rowid",
  )
    .bind(row.id)
    .all<{ id: string }>();
  const data = await Promise.all(
    files.results.map(async ({ id }) => ({
      ...(request.response_format === "b64_json"
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
