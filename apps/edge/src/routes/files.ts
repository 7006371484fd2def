/**
 * `GET /v1/files/:id`: downloads a generated image from R2. Authorised by the URL's signature
 * (see `files/signed-url.ts`), not by an API key, so the URL works in an `<img>` tag.
 *
 * @module
 */
import { Hono } from "hono";
import { apiError } from "../api-error";
import { edgeConfig } from "../config";
import type { EdgeEnv } from "../env";
import { checkFileSignature } from "../files/signed-url";

export const fileRoutes = new Hono<EdgeEnv>().get("/:id", async (c) => {
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
