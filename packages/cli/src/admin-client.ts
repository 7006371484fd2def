/**
 * A small client for the edge's admin API (`/admin/keys`). `fetch` is injectable so tests can
 * hand in a fake; failures become {@link AdminApiError} carrying OpenAI's envelope fields.
 *
 * @module
 */
import { z } from "zod";

/** A key as the admin API lists it (no secret); mirrors apps/edge/src/routes/admin.ts. */
export const ApiKeyInfo = z.object({
  object: z.literal("api_key"),
  id: z.string(),
  prefix: z.string(),
  label: z.string(),
  scopes: z.array(z.string()),
  limits: z.object({
    requests_per_minute: z.number().nullable(),
    images_per_minute: z.number().nullable(),
  }),
  created_at: z.number(),
  last_used_at: z.number().nullable(),
  revoked_at: z.number().nullable(),
});
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;

const CreatedKey = ApiKeyInfo.extend({ key: z.string().startsWith("lmn_") });
const RevokedKey = ApiKeyInfo.extend({ revoked: z.literal(true) });
const KeyList = z.object({ object: z.literal("list"), data: z.array(ApiKeyInfo) });

export interface CreateKeyParams {
  label: string;
  scopes?: string[];
  limits?: { requests_per_minute?: number; images_per_minute?: number };
}

export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = "AdminApiError";
  }
}

export interface AdminClientOptions {
  /** The edge's base URL, e.g. `http://127.0.0.1:8787`. */
  baseUrl: string;
  adminToken: string;
  fetch?: typeof fetch;
}

/**
 * @example
 * const admin = new AdminClient({ baseUrl: "http://127.0.0.1:8787", adminToken });
 * const { key } = await admin.createKey({ label: "my-app" });
 */
export class AdminClient {
  readonly #baseUrl: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;

  constructor(options: AdminClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
    this.#token = options.adminToken;
    this.#fetch = options.fetch ?? fetch;
  }

  /** Mints a key; the answer's `key` is the secret, shown this once. */
  createKey(params: CreateKeyParams): Promise<z.infer<typeof CreatedKey>> {
    return this.#request(CreatedKey, "POST", "/admin/keys", params);
  }

  async listKeys(): Promise<ApiKeyInfo[]> {
    return (await this.#request(KeyList, "GET", "/admin/keys")).data;
  }

  revokeKey(id: string): Promise<z.infer<typeof RevokedKey>> {
    return this.#request(RevokedKey, "DELETE", `/admin/keys/${encodeURIComponent(id)}`);
  }

  async #request<S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<z.output<S>> {
    const url = `${this.#baseUrl}${path}`;
    const response = await this.#fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${this.#token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).catch((error: unknown) => {
      const reason = error instanceof Error ? (error.cause ?? error).toString() : String(error);
      throw new AdminApiError(0, `Could not reach ${this.#baseUrl} (${reason}).`, null);
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = errorFields(json);
      throw new AdminApiError(
        response.status,
        error?.message ?? `${response.status} ${response.statusText}: ${text.slice(0, 200)}`,
        error?.code ?? null,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new AdminApiError(
        response.status,
        `Unexpected answer from ${path}: ${text.slice(0, 200)}`,
        null,
      );
    }
    return parsed.data;
  }
}

function errorFields(json: unknown): { message: string; code: string | null } | undefined {
  if (typeof json !== "object" || json === null || !("error" in json)) return undefined;
  const { error } = json;
  if (typeof error !== "object" || error === null || !("message" in error)) return undefined;
  const message = typeof error.message === "string" ? error.message : undefined;
  const code = "code" in error && typeof error.code === "string" ? error.code : null;
  return message === undefined ? undefined : { message, code };
}
