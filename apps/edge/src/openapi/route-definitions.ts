/**
 * Definitions of the routes whose handlers are registered with plain Hono methods (the image
 * generations, models, playground, internal and tRPC routes), added to the app's registry by
 * `app.ts` where it mounts them, with the paths as mounted. The other route files register
 * their definitions themselves (`documented-route.ts`). Either way the coverage test
 * (`test/openapi-document.test.ts`) compares the document with the routes actually served.
 *
 * @module
 */
import { createRoute, type OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import {
  GptImageGenerationRequest,
  ImageEditRequest,
  ImageEditStreamEvent,
  ImageVariationRequest,
} from "@limner/contracts";
import {
  API_KEY_SECURITY,
  apiErrors,
  apiHeaders,
  binaryFile,
  headers,
  NO_SECURITY,
  named,
  otherErrors,
  schemas,
} from "./openapi-components";

const json = (schema: z.ZodType) => ({ "application/json": { schema } });

/** gpt-image's request surface, picked when `model` is a gpt-image id. */
const GptImageRequest = named(GptImageGenerationRequest, "GptImageGenerationRequest");

export const imageGenerationRoute = createRoute({
  method: "post",
  path: "/v1/images/generations",
  operationId: "createImage",
  tags: ["Images"],
  summary: "Generate images",
  description:
    "dall-e-3's fields (no `model`, `dall-e-3` or a Limner model id) or gpt-image's (`model: gpt-image-1` and family), plus Limner's extensions; fields of the other family are refused by name. `stream: true` answers server-sent events, each `event:` named by its payload's `type`, ending with `image_generation.completed` or an `error` event carrying the envelope. A retry with the same `x-request-id` is answered from the first attempt (409 `request_in_progress` with `retry-after` while it runs).",
  security: API_KEY_SECURITY,
  request: {
    body: {
      required: true,
      content: json(z.union([schemas.ImageGenerationRequest, GptImageRequest])),
    },
  },
  responses: {
    "200": {
      description: "The images (JSON), or their stream (`stream: true`)",
      headers: apiHeaders(true),
      content: {
        "application/json": { schema: schemas.ImageGenerationResponse },
        "text/event-stream": { schema: schemas.ImageGenerationStreamEvent },
      },
    },
    ...apiErrors(),
  },
});

const imageFile = binaryFile("An image (PNG, JPEG or WebP), checked from its header.");

/** The multipart body of `POST /v1/images/edits`: the contract's fields plus the files. */
const ImageEditForm = z
  .object({
    ...ImageEditRequest.shape,
    image: z.union([imageFile, z.array(imageFile)]).openapi({
      description: "The image to edit; several as repeated `image` or `image[]` parts.",
    }),
    "image[]": z.array(imageFile).optional(),
    mask: binaryFile(
      "Where to edit: fully transparent pixels are repainted, the rest is kept.",
    ).optional(),
  })
  .openapi("ImageEditForm");

/** The multipart body of `POST /v1/images/variations`: one image and the contract's fields. */
const ImageVariationForm = z
  .object({ ...ImageVariationRequest.shape, image: imageFile })
  .openapi("ImageVariationForm");

export const imageEditRoute = createRoute({
  method: "post",
  path: "/v1/images/edits",
  operationId: "createImageEdit",
  tags: ["Images"],
  summary: "Edit images: image-to-image, or inpainting with a mask",
  description:
    "OpenAI's multipart edit request. The images are encoded with the model's VAE, noised to a strength and denoised with the prompt; with a mask, only its transparent region changes. `stream: true` answers server-sent events (`image_edit.partial_image`, `image_edit.completed`, or an `error` event).",
  security: API_KEY_SECURITY,
  request: {
    body: { required: true, content: { "multipart/form-data": { schema: ImageEditForm } } },
  },
  responses: {
    "200": {
      description: "The edited images (JSON), or their stream (`stream: true`)",
      headers: apiHeaders(true),
      content: {
        "application/json": { schema: schemas.ImageGenerationResponse },
        "text/event-stream": { schema: named(ImageEditStreamEvent, "ImageEditStreamEvent") },
      },
    },
    ...apiErrors(),
  },
});

export const imageVariationRoute = createRoute({
  method: "post",
  path: "/v1/images/variations",
  operationId: "createImageVariation",
  tags: ["Images"],
  summary: "Variations of an image: captioned, then redrawn from its caption",
  security: API_KEY_SECURITY,
  request: {
    body: { required: true, content: { "multipart/form-data": { schema: ImageVariationForm } } },
  },
  responses: {
    "200": {
      description: "The variations",
      headers: apiHeaders(true),
      content: json(schemas.ImageGenerationResponse),
    },
    ...apiErrors(),
  },
});

export const listModelsRoute = createRoute({
  method: "get",
  path: "/v1/models",
  operationId: "listModels",
  tags: ["Models"],
  summary: "List the models the runtimes serve, and the OpenAI ids the deployment maps",
  security: API_KEY_SECURITY,
  responses: {
    "200": { description: "The models", headers: apiHeaders(), content: json(schemas.ModelList) },
    ...apiErrors(),
  },
});

export const retrieveModelRoute = createRoute({
  method: "get",
  path: "/v1/models/{id}",
  operationId: "retrieveModel",
  tags: ["Models"],
  summary: "One model, by its id or an OpenAI id the deployment maps (`dall-e-3`, `gpt-image-1`)",
  security: API_KEY_SECURITY,
  request: { params: z.object({ id: z.string().openapi({ description: "The model's id" }) }) },
  responses: {
    "200": { description: "The model", headers: apiHeaders(), content: json(schemas.Model) },
    ...apiErrors(),
  },
});

const html = { "text/html": { schema: { type: "string" as const } } };

export const playgroundRoute = createRoute({
  method: "get",
  path: "/",
  operationId: "getPlayground",
  tags: ["Meta"],
  summary: "The playground: a page that calls this API with the key you type in",
  security: NO_SECURITY,
  responses: { "200": { description: "The page", content: html } },
});

export const playgroundAssetRoute = createRoute({
  method: "get",
  path: "/playground/{file}",
  operationId: "getPlaygroundAsset",
  tags: ["Meta"],
  summary: "The playground's stylesheet and ES modules",
  security: NO_SECURITY,
  request: { params: z.object({ file: z.string().openapi({ example: "app.js" }) }) },
  responses: {
    "200": {
      description: "The asset",
      content: {
        "text/javascript": { schema: { type: "string" as const } },
        "text/css": { schema: { type: "string" as const } },
      },
    },
    ...otherErrors(),
  },
});

export const cancelConnectionRoute = createRoute({
  method: "post",
  path: "/internal/connections/{id}/cancel",
  operationId: "cancelConnection",
  tags: ["Internal"],
  summary: "Cancel the request on a connection whose client hung up (the one-box front proxy)",
  description:
    "Not for API clients: guarded by the runtime service token. Always 204, whether or not a request was still running.",
  security: [{ serviceToken: [] }],
  request: { params: z.object({ id: z.string() }) },
  responses: {
    "204": { description: "Done (or nothing to cancel)", headers: headers("x-request-id") },
    ...otherErrors(),
  },
});

const procedure = z.object({
  procedure: z.string().openapi({
    description: "`models`, `upsample`, `caption`, `score`, `generate` (batched: comma-separated)",
  }),
});

const trpcResponses = {
  "200": {
    description:
      "tRPC's JSON (or, for `generate` with `httpBatchStreamLink`, its streamed JSON lines); errors carry OpenAI's envelope under `error.data.envelope`",
    headers: apiHeaders(),
    content: json(z.unknown()),
  },
  ...apiErrors(),
};

export const trpcQueryRoute = createRoute({
  method: "get",
  path: "/trpc/{procedure}",
  operationId: "trpcQuery",
  tags: ["tRPC"],
  summary: "A tRPC query (`models`); use `@limner/sdk/trpc` for the typed client",
  security: API_KEY_SECURITY,
  request: { params: procedure },
  responses: trpcResponses,
});

export const trpcMutationRoute = createRoute({
  method: "post",
  path: "/trpc/{procedure}",
  operationId: "trpcMutation",
  tags: ["tRPC"],
  summary:
    "A tRPC mutation (`upsample`, `caption`, `score`, `generate`), with the same key checks and limits as `/v1`",
  security: API_KEY_SECURITY,
  request: { params: procedure },
  responses: trpcResponses,
});

/** Adds definitions to an app's registry (their paths are the full, mounted ones). */
export function registerRoutes(
  registry: OpenAPIHono["openAPIRegistry"],
  ...routes: RouteConfig[]
): void {
  for (const route of routes) registry.registerPath(route);
}
