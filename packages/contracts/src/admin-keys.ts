/**
 * The edge's admin API for API keys (`/admin/keys`, behind the admin token): what an operator
 * sends to mint a key and what every admin answer looks like. Times are Unix seconds, as in
 * OpenAI's API; a key's secret appears in the create answer only, never in a list.
 *
 * @module
 */
import { z } from "zod";

/** What a key may do; every key has `images` unless minted otherwise. */
export const KeyScope = z.enum(["images"]);
/** One of the {@link KeyScope} values. */
export type KeyScope = z.infer<typeof KeyScope>;

/** The largest per-key or deployment limit, per minute: beyond it a limit means nothing. */
export const MAX_LIMIT_PER_MINUTE = 1_000_000;

const perMinute = z.int().min(1).max(MAX_LIMIT_PER_MINUTE);

/**
 * The body of `POST /admin/keys`. Absent limits mean the deployment's defaults.
 *
 * @example
 * ```ts
 * CreateKeyRequest.parse({ label: "my-app" }).scopes; // ["images"]
 * ```
 */
export const CreateKeyRequest = z.strictObject({
  label: z.string().trim().min(1).max(200),
  scopes: z.array(KeyScope).min(1).default(["images"]),
  limits: z
    .strictObject({
      requests_per_minute: perMinute.optional(),
      images_per_minute: perMinute.optional(),
    })
    .default({}),
});
/** What a client may send: defaulted fields are optional. */
export type CreateKeyRequestInput = z.input<typeof CreateKeyRequest>;
/** A validated request with every default filled in. */
export type CreateKeyRequest = z.output<typeof CreateKeyRequest>;

/**
 * A key as the admin API lists it: what an operator needs to recognise it, nothing secret.
 * `scopes` are plain strings so a client can read keys minted by a newer edge.
 */
export const ApiKey = z.object({
  object: z.literal("api_key"),
  id: z.string(),
  prefix: z.string(),
  label: z.string(),
  scopes: z.array(z.string()),
  /** `null` means the deployment's default. */
  limits: z.object({
    requests_per_minute: z.int().nullable(),
    images_per_minute: z.int().nullable(),
  }),
  created_at: z.int(),
  last_used_at: z.int().nullable(),
  revoked_at: z.int().nullable(),
});
/** The parsed shape of {@link ApiKey}. */
export type ApiKey = z.infer<typeof ApiKey>;

/** The answer of `POST /admin/keys` (201): the key plus its secret, shown this once. */
export const CreatedApiKey = ApiKey.extend({ key: z.string().startsWith("lmn_") });
/** The parsed shape of {@link CreatedApiKey}. */
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

/** The answer of `DELETE /admin/keys/{id}` (idempotent: revoking twice answers the same). */
export const RevokedApiKey = ApiKey.extend({ revoked: z.literal(true) });
/** The parsed shape of {@link RevokedApiKey}. */
export type RevokedApiKey = z.infer<typeof RevokedApiKey>;

/** The answer of `GET /admin/keys`, in OpenAI's list format. */
export const ApiKeyList = z.object({ object: z.literal("list"), data: z.array(ApiKey) });
/** The parsed shape of {@link ApiKeyList}. */
export type ApiKeyList = z.infer<typeof ApiKeyList>;
