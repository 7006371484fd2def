/**
 * The pieces the route definitions share: the contracts' schemas under their own names (so
 * they land in `components.schemas` as `ImageGenerationRequest`, `ErrorEnvelope`, …), the
 * multipart forms, the response headers clients read, and the error responses.
 *
 * Nothing here validates anything: the handlers validate with the contracts as before. These
 * definitions only describe them, so the document is generated from the same schemas.
 *
 * @module
 */
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  ApiKeyList,
  CaptionRequest,
  CaptionResponse,
  CreatedApiKey,
  CreateKeyRequest,
  EdgeReadiness,
  ErrorEnvelope,
  ImageGenerationRequest,
  ImageGenerationResponse,
  ImageGenerationStreamEvent,
  Model,
  ModelList,
  RevokedApiKey,
  ScoreRequest,
  ScoreResponse,
  UpsampleRequest,
  UpsampleResponse,
} from "@limner/contracts";

/**
 * A named copy of a contract: the generator emits `$ref: #/components/schemas/<name>` wherever
 * the copy is used, and the contracts' own objects stay untouched. zod's own `.meta({ id })`,
 * not `.openapi(name)`: zod v4 copies methods onto each schema when it is built, so schemas
 * built before `@hono/zod-openapi` extended zod (the contracts, imported first) have no
 * `.openapi`.
 */
export function named<S extends z.ZodType>(schema: S, name: string): S {
  return schema.meta({ id: name }) as S;
}

export const schemas = {
  ApiKeyList: named(ApiKeyList, "ApiKeyList"),
  CaptionRequest: named(CaptionRequest, "CaptionRequest"),
  CaptionResponse: named(CaptionResponse, "CaptionResponse"),
  CreatedApiKey: named(CreatedApiKey, "CreatedApiKey"),
  CreateKeyRequest: named(CreateKeyRequest, "CreateKeyRequest"),
  EdgeReadiness: named(EdgeReadiness, "EdgeReadiness"),
  ErrorEnvelope: named(ErrorEnvelope, "ErrorEnvelope"),
  ImageGenerationRequest: named(ImageGenerationRequest, "ImageGenerationRequest"),
  ImageGenerationResponse: named(ImageGenerationResponse, "ImageGenerationResponse"),
  ImageGenerationStreamEvent: named(ImageGenerationStreamEvent, "ImageGenerationStreamEvent"),
  Model: named(Model, "Model"),
  ModelList: named(ModelList, "ModelList"),
  RevokedApiKey: named(RevokedApiKey, "RevokedApiKey"),
  ScoreRequest: named(ScoreRequest, "ScoreRequest"),
  ScoreResponse: named(ScoreResponse, "ScoreResponse"),
  UpsampleRequest: named(UpsampleRequest, "UpsampleRequest"),
  UpsampleResponse: named(UpsampleResponse, "UpsampleResponse"),
};

/** A multipart file part, as OpenAPI writes uploads. */
export const binaryFile = (description: string) =>
  z.string().openapi({ type: "string", format: "binary", description });

/** `POST /v1/images/captions` as multipart: the JSON body's fields, with `file` for `image`. */
export const CaptionUploadForm = z
  .object({
    file: binaryFile("The image (PNG, JPEG or WebP)."),
    detail: CaptionRequest.shape.detail,
    model: CaptionRequest.shape.model,
  })
  .openapi("CaptionUploadForm");

/** `POST /v1/images/scores` as multipart: the JSON body's fields, with `file` for `image`. */
export const ScoreUploadForm = z
  .object({
    file: binaryFile("The image (PNG, JPEG or WebP)."),
    prompt: ScoreRequest.shape.prompt,
    model: ScoreRequest.shape.model,
  })
  .openapi("ScoreUploadForm");

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });
const responseRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

const integerHeader = (description: string) => ({
  description,
  schema: { type: "integer" as const },
});
const stringHeader = (description: string) => ({
  description,
  schema: { type: "string" as const },
});

type HeaderName =
  | "x-request-id"
  | `x-ratelimit-${"limit" | "remaining" | "reset"}-${"requests" | "images"}`
  | "retry-after"
  | "retry-after-ms"
  | "x-should-retry";

/** `components.headers`: what the edge sends and clients read. */
const HEADERS: Record<
  HeaderName,
  { description: string; schema: { type: "integer" | "string"; enum?: string[] } }
> = {
  "x-request-id": stringHeader(
    "The request's id (the client's `x-request-id` when well formed); retries that send the same id are answered once.",
  ),
  "x-ratelimit-limit-requests": integerHeader("Requests per minute allowed for this key."),
  "x-ratelimit-remaining-requests": integerHeader("Requests left in the window, this one counted."),
  "x-ratelimit-reset-requests": stringHeader(
    "Until the requests quota is whole again, as a Go duration (`20ms`, `1.5s`, `1m0.4s`).",
  ),
  "x-ratelimit-limit-images": integerHeader("Images per minute allowed for this key."),
  "x-ratelimit-remaining-images": integerHeader("Images left in the window, this request counted."),
  "x-ratelimit-reset-images": stringHeader("Until the images quota is whole again (Go duration)."),
  "retry-after": integerHeader("Seconds to wait before retrying (at most 60 on a 429)."),
  "retry-after-ms": integerHeader(
    "Milliseconds to wait before the same request is admitted; always below 60 000, so openai-node and the AI SDK honour it.",
  ),
  "x-should-retry": {
    description:
      "`false` on a 429 that can never pass (more images than the per-minute limit): retrying will not help.",
    schema: { type: "string" as const, enum: ["false"] },
  },
};

/** Header names for a response's `headers`, as references to `components.headers`. */
export function headers(...names: HeaderName[]) {
  return Object.fromEntries(names.map((name) => [name, headerRef(name)]));
}

const REQUEST_QUOTA = [
  "x-request-id",
  "x-ratelimit-limit-requests",
  "x-ratelimit-remaining-requests",
  "x-ratelimit-reset-requests",
] as const;
const IMAGE_QUOTA = [
  "x-ratelimit-limit-images",
  "x-ratelimit-remaining-images",
  "x-ratelimit-reset-images",
] as const;

/** The headers of an answered `/v1` request: its id and the requests quota (+ images). */
export function apiHeaders(producesImages = false) {
  return headers(...REQUEST_QUOTA, ...(producesImages ? IMAGE_QUOTA : []));
}

const errorContent = {
  "application/json": { schema: { $ref: "#/components/schemas/ErrorEnvelope" } },
};

/** `components.responses`: OpenAI's error envelope, with what each kind of refusal carries. */
const RESPONSES = {
  InvalidRequest: {
    description:
      "The request is invalid (`invalid_request_error`: bad JSON, unknown or unsupported fields, invalid values, an upload that is not an image).",
    headers: headers("x-request-id"),
    content: errorContent,
  },
  Unauthorized: {
    description:
      "No key, an unknown key or a revoked one (`missing_api_key`, `invalid_api_key`, `key_revoked`).",
    headers: headers("x-request-id"),
    content: errorContent,
  },
  RateLimited: {
    description:
      'Over a per-key limit (`rate_limit_exceeded`). A request that can pass later carries `retry-after` / `retry-after-ms` (below 60 s); one that never can carries `x-should-retry: false` and `param: "n"`.',
    headers: headers(
      ...REQUEST_QUOTA,
      ...IMAGE_QUOTA,
      "retry-after",
      "retry-after-ms",
      "x-should-retry",
    ),
    content: errorContent,
  },
  ClientError: {
    description:
      "Another refusal in OpenAI's envelope (404 `model_not_found`, 408, 409 `request_in_progress` with `retry-after`, 413 …).",
    headers: headers("x-request-id", "retry-after"),
    content: errorContent,
  },
  ServerError: {
    description:
      "The edge or every runtime failed (500 `internal_error`, 502, 503 `no_runtime_available` with `retry-after`, 504).",
    headers: headers("x-request-id", "retry-after"),
    content: errorContent,
  },
} as const;

/** The error responses of an API-key route. */
export function apiErrors() {
  return {
    "400": responseRef("InvalidRequest"),
    "401": responseRef("Unauthorized"),
    "429": responseRef("RateLimited"),
    "4XX": responseRef("ClientError"),
    "5XX": responseRef("ServerError"),
  };
}

/** The error responses of an admin route (admin token, no rate limits). */
export function adminErrors() {
  return {
    "400": responseRef("InvalidRequest"),
    "401": responseRef("Unauthorized"),
    "4XX": responseRef("ClientError"),
    "5XX": responseRef("ServerError"),
  };
}

/** Any other error response in the envelope. */
export function otherErrors() {
  return { "4XX": responseRef("ClientError"), "5XX": responseRef("ServerError") };
}

/** Security requirements: an API key (`lmn_…`) or the deployment's admin token. */
export const API_KEY_SECURITY = [{ apiKey: [] }];
export const ADMIN_SECURITY = [{ adminToken: [] }];
export const NO_SECURITY: { [name: string]: string[] }[] = [];

/** Adds the shared headers, responses, schemas and security schemes to a registry. */
export function registerComponents(registry: OpenAPIHono["openAPIRegistry"]): void {
  registry.register("ErrorEnvelope", schemas.ErrorEnvelope);
  for (const [name, header] of Object.entries(HEADERS)) {
    registry.registerComponent("headers", name, header);
  }
  for (const [name, response] of Object.entries(RESPONSES)) {
    registry.registerComponent("responses", name, response);
  }
  registry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "An API key, `Authorization: Bearer lmn_…`.",
  });
  registry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "The deployment's admin token (`LIMNER_ADMIN_TOKEN`).",
  });
  registry.registerComponent("securitySchemes", "serviceToken", {
    type: "http",
    scheme: "bearer",
    description: "The runtime service token (`RUNTIME_SERVICE_TOKEN`); launcher calls only.",
  });
}
