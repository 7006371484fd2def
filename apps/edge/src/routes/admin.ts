/**
 * Key management for operators, behind `adminAuth`:
 * `POST /admin/keys` mints a key (its secret is in this answer only), `GET /admin/keys` lists
 * keys without secrets or hashes, `DELETE /admin/keys/:id` revokes one (idempotent).
 * The wire formats are the contracts' (`CreateKeyRequest`, `ApiKey`, …).
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import {
  type ApiKey,
  type ApiKeyList,
  type CreatedApiKey,
  CreateKeyRequest,
  type RevokedApiKey,
} from "@limner/contracts";
import { apiError } from "../api-error";
import type { EdgeEnv } from "../env";
import { listKeys, mintKey, revokeKey, type StoredKey } from "../keys/api-key-store";
import { documentedRoute } from "../openapi/documented-route";
import { ADMIN_SECURITY, adminErrors, headers, schemas } from "../openapi/openapi-components";
import { readValidatedJson } from "../request-body";

const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

/** The listed form of a key: what an operator needs to recognise it, and nothing secret. */
function toWire(key: StoredKey): ApiKey {
  return {
    object: "api_key",
    id: key.id,
    prefix: key.prefix,
    label: key.label,
    scopes: key.scopes,
    // `null` means the deployment's default.
    limits: {
      requests_per_minute: key.limits.requestsPerMinute,
      images_per_minute: key.limits.imagesPerMinute,
    },
    created_at: Math.floor(key.createdAt / 1000),
    last_used_at: seconds(key.lastUsedAt),
    revoked_at: seconds(key.revokedAt),
  };
}

const json = (schema: z.ZodType) => ({ "application/json": { schema } });

const createKeyRoute = createRoute({
  method: "post",
  path: "/keys",
  operationId: "createApiKey",
  tags: ["Admin"],
  summary: "Mint an API key; its secret is in this answer only",
  security: ADMIN_SECURITY,
  request: { body: { required: true, content: json(schemas.CreateKeyRequest) } },
  responses: {
    "201": {
      description: "The new key, with its secret (`key`)",
      headers: headers("x-request-id"),
      content: json(schemas.CreatedApiKey),
    },
    ...adminErrors(),
  },
});

const listKeysRoute = createRoute({
  method: "get",
  path: "/keys",
  operationId: "listApiKeys",
  tags: ["Admin"],
  summary: "List API keys, revoked ones included, without secrets or hashes",
  security: ADMIN_SECURITY,
  responses: {
    "200": {
      description: "Every key",
      headers: headers("x-request-id"),
      content: json(schemas.ApiKeyList),
    },
    ...adminErrors(),
  },
});

const revokeKeyRoute = createRoute({
  method: "delete",
  path: "/keys/{id}",
  operationId: "revokeApiKey",
  tags: ["Admin"],
  summary: "Revoke an API key (idempotent: keeps the first revocation time)",
  security: ADMIN_SECURITY,
  request: {
    params: z.object({ id: z.string().openapi({ description: "The key's id, `key_…`" }) }),
  },
  responses: {
    "200": {
      description: "The revoked key",
      headers: headers("x-request-id"),
      content: json(schemas.RevokedApiKey),
    },
    ...adminErrors(),
  },
});

export const adminRoutes = new OpenAPIHono<EdgeEnv>();

documentedRoute(adminRoutes, createKeyRoute, async (c) => {
  const body = await readValidatedJson(c, CreateKeyRequest);
  const { secret, key } = await mintKey(c.env.DB, {
    label: body.label,
    scopes: body.scopes,
    limits: {
      requestsPerMinute: body.limits.requests_per_minute ?? null,
      imagesPerMinute: body.limits.images_per_minute ?? null,
    },
  });
  const created: CreatedApiKey = { ...toWire(key), key: secret };
  return c.json(created, 201);
});

documentedRoute(adminRoutes, listKeysRoute, async (c) => {
  const keys = await listKeys(c.env.DB);
  const list: ApiKeyList = { object: "list", data: keys.map(toWire) };
  return c.json(list);
});

documentedRoute(adminRoutes, revokeKeyRoute, async (c) => {
  const id = c.req.param("id");
  const revoked = await revokeKey(c.env.DB, id);
  if (!revoked) throw apiError("not_found", `No API key with id '${id}'.`, "id");
  // The key's authority remembers the record it read; once it has forgotten it, the very next
  // request with the key is refused. Told on every call, so retrying a revocation whose
  // notice failed completes it.
  const authority = c.env.KEY_AUTHORITY.get(c.env.KEY_AUTHORITY.idFromName(revoked.keyHash));
  await authority.forget();
  const answer: RevokedApiKey = { ...toWire(revoked.key), revoked: true };
  return c.json(answer);
});
