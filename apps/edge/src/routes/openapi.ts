/**
 * `GET /openapi.json`: the HTTP API described from the same zod contracts that validate it, so
 * the document cannot drift from the behaviour.
 *
 * @module
 */
import {
  ApiKeyList,
  CaptionRequest,
  CaptionResponse,
  CreatedApiKey,
  CreateKeyRequest,
  ErrorEnvelope,
  ImageGenerationRequest,
  ImageGenerationResponse,
  ImageGenerationStreamEvent,
  ModelList,
  RevokedApiKey,
  ScoreRequest,
  ScoreResponse,
  UpsampleRequest,
  UpsampleResponse,
} from "@limner/contracts";
import { Hono } from "hono";
import { z } from "zod";
import type { EdgeEnv } from "../env";

const schema = (s: z.ZodType, io: "input" | "output") =>
  z.toJSONSchema(s, { io, unrepresentable: "any" });

const json = (s: z.ZodType, io: "input" | "output") => ({
  "application/json": { schema: schema(s, io) },
});

const errors = {
  "4XX": { description: "OpenAI error envelope", content: json(ErrorEnvelope, "output") },
  "5XX": { description: "OpenAI error envelope", content: json(ErrorEnvelope, "output") },
};

function document(serverUrl: string) {
  const post = (summary: string, request: z.ZodType, response: z.ZodType, events?: z.ZodType) => ({
    post: {
      summary,
      requestBody: { required: true, content: json(request, "input") },
      responses: {
        "200": {
          description: "OK",
          content: {
            ...json(response, "output"),
            ...(events ? { "text/event-stream": { schema: schema(events, "output") } } : {}),
          },
        },
        ...errors,
      },
    },
  });
  return {
    openapi: "3.1.0",
    info: {
      title: "Limner API",
      version: "1.0.0",
      description:
        "OpenAI-compatible Images API with Limner's extensions. Authenticate with `Authorization: Bearer lmn_…`.",
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer" },
        admin: { type: "http", scheme: "bearer", description: "The deployment's admin token" },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      "/v1/images/generations": post(
        "Generate images (dall-e-3 fields + Limner extensions); `stream: true` answers server-sent events, one `ImageGenerationStreamEvent` per `data:`",
        ImageGenerationRequest,
        ImageGenerationResponse,
        ImageGenerationStreamEvent,
      ),
      "/v1/images/captions": post(
        "Caption an image (JSON base64; multipart `file` also accepted)",
        CaptionRequest,
        CaptionResponse,
      ),
      "/v1/images/scores": post(
        "Score an image against a prompt: the runtime's judge reads its scene graph back; T2I-CompBench-style binding, counting and spatial scores, and the image-text similarity (JSON base64; multipart `file` + `prompt` also accepted)",
        ScoreRequest,
        ScoreResponse,
      ),
      "/v1/prompts/upsample": post(
        "Rewrite a short prompt into a descriptive one",
        UpsampleRequest,
        UpsampleResponse,
      ),
      "/v1/models": {
        get: {
          summary: "List models",
          responses: {
            "200": { description: "OK", content: json(ModelList, "output") },
            ...errors,
          },
        },
      },
      "/admin/keys": {
        post: {
          summary: "Mint an API key (admin token); the secret is in this answer only",
          security: [{ admin: [] }],
          requestBody: { required: true, content: json(CreateKeyRequest, "input") },
          responses: {
            "201": { description: "Created", content: json(CreatedApiKey, "output") },
            ...errors,
          },
        },
        get: {
          summary: "List API keys (admin token), without secrets",
          security: [{ admin: [] }],
          responses: {
            "200": { description: "OK", content: json(ApiKeyList, "output") },
            ...errors,
          },
        },
      },
      "/admin/keys/{id}": {
        delete: {
          summary: "Revoke an API key (admin token; idempotent)",
          security: [{ admin: [] }],
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": { description: "Revoked", content: json(RevokedApiKey, "output") },
            ...errors,
          },
        },
      },
      "/v1/files/{id}": {
        get: {
          summary: "Download a generated image through its signed URL (no API key)",
          security: [],
          parameters: ["id", "expires", "signature"].map((name) => ({
            name,
            in: name === "id" ? "path" : "query",
            required: true,
            schema: { type: "string" },
          })),
          responses: { "200": { description: "The image" }, ...errors },
        },
      },
    },
  };
}

export const openApiRoutes = new Hono<EdgeEnv>().get("/openapi.json", (c) =>
  c.json(document(new URL(c.req.url).origin)),
);
