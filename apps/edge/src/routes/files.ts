/**
 * `GET /v1/files/:id`: downloads a generated image from R2. Authorised by the URL's signature
 * (see `files/signed-url.ts`), not by an API key, so the URL works in an `<img>` tag.
 *
 * @module
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { apiError } from "../api-error";
import { edgeConfig } from "../config";
import type { EdgeEnv } from "../env";
import { checkFileSignature } from "../files/signed-url";
import { documentedRoute } from "../openapi/documented-route";
import { headers, NO_SECURITY, otherErrors } from "../openapi/openapi-components";

const fileRoute = createRoute({
  method: "get",
  path: "/{id}",
  operationId: "downloadFile",
  tags: ["Files"],
  summary: "Download a generated image through its signed URL (no API key)",
  description:
    "The `url` of a generated image: signed with HMAC-SHA256, valid 60 minutes, usable in an `<img>` tag. A bad signature or an expired URL → 403.",
  security: NO_SECURITY,
  request: {
    params: z.object({ id: z.string().openapi({ description: "The file's id" }) }),
    query: z.object({
      expires: z.string().openapi({ description: "Unix seconds after which the URL is refused" }),
      signature: z.string().openapi({ description: "The URL's signature" }),
    }),
  },
  responses: {
    "200": {
      description: "The image",
      headers: headers("x-request-id"),
      content: {
        "image/png": { schema: { type: "string", format: "binary" } },
        "image/jpeg": { schema: { type: "string", format: "binary" } },
        "image/webp": { schema: { type: "string", format: "binary" } },
      },
    },
    ...otherErrors(),
  },
});

export const fileRoutes = new OpenAPIHono<EdgeEnv>();

documentedRoute(fileRoutes, fileRoute, async (c) => {
  const id = c.req.param("id");
  const check = await checkFileSignature(
    id,
    c.req.query("expires"),
    c.req.query("signature"),
    edgeConfig(c.env).filesSigningKey,
  );
  if (check === "invalid")
    throw apiError("invalid_signature", "This file URL's signature is not valid.");
  if (check === "expired")
    throw apiError("url_expired", "This file URL has expired; generate a new one.");
  const object = await c.env.FILES.get(`images/${id}`);
  if (!object) throw apiError("not_found", `No file '${id}'.`);
  return new Response(object.body, {
    headers: {
      "content-type": object.httpMetadata?.contentType ?? "application/octet-stream",
      "cache-control": "private, max-age=3600",
      "x-request-id": c.var.requestId,
    },
  });
});
