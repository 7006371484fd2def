/**
 * The edge application: middleware order, routes, and the one place errors become OpenAI's
 * envelope.
 *
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { errorEnvelope, statusForCode } from "@limner/contracts";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError } from "./api-error";
import { edgeConfig } from "./config";
import type { EdgeEnv } from "./env";
import { adminAuth } from "./middleware/admin-auth";
import { apiCors } from "./middleware/api-cors";
import { apiKeyAccess, IMAGE_ENDPOINTS } from "./middleware/api-key-access";
import { bodyLimit } from "./middleware/body-limit";
import { clientSignal } from "./middleware/client-signal";
import { requestId } from "./middleware/request-id";
import {
  cancelConnectionRoute,
  imageEditRoute,
  imageGenerationRoute,
  imageVariationRoute,
  listModelsRoute,
  playgroundAssetRoute,
  playgroundRoute,
  registerRoutes,
  retrieveModelRoute,
  trpcMutationRoute,
  trpcQueryRoute,
} from "./openapi/route-definitions";
import { adminRoutes } from "./routes/admin";
import { captionRoutes } from "./routes/captions";
import { editRoutes } from "./routes/edits";
import { fileRoutes } from "./routes/files";
import { healthRoutes } from "./routes/health";
import { imageRoutes } from "./routes/images";
import { internalRoutes } from "./routes/internal";
import { modelRoutes } from "./routes/models";
import { serveOpenApiDocument } from "./routes/openapi";
import { playgroundRoutes } from "./routes/playground";
import { promptRoutes } from "./routes/prompts";
import { scoreRoutes } from "./routes/scores";
import { variationRoutes } from "./routes/variations";
import { RuntimePool } from "./runtime/runtime-pool";
import { edgeRouter } from "./trpc/edge-router";
import { edgeTRPCContext } from "./trpc/edge-trpc";

/** JSON bodies larger than this are refused before parsing (chunked bodies are counted too). */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;
/** Image uploads (captions, scores): a 16 Mpx PNG fits, base64 overhead included. */
export const MAX_UPLOAD_BYTES = 32 * 1024 * 1024;
const UPLOAD_PATHS: readonly string[] = [
  "/v1/images/captions",
  "/v1/images/scores",
  "/v1/images/edits",
  "/v1/images/variations",
];
const uploadOrJson = (path: string) =>
  UPLOAD_PATHS.includes(path) ? MAX_UPLOAD_BYTES : MAX_JSON_BODY_BYTES;

export function createApp(): OpenAPIHono<EdgeEnv> {
  // Route files built with OpenAPIHono bring their definitions along when mounted; the others
  // are described by `openapi/route-definitions.ts`, registered below where they are mounted.
  const app = new OpenAPIHono<EdgeEnv>();
  const documented = app.openAPIRegistry;

  app.use(requestId());
  app.use(clientSignal());
  app.use(async (c, next) => {
    const config = edgeConfig(c.env);
    c.set(
      "runtimes",
      new RuntimePool({
        urls: config.runtimeUrls,
        serviceToken: config.runtimeServiceToken,
        signal: c.var.signal,
      }),
    );
    await next();
  });
  app.route("/", healthRoutes);
  // The one-box front proxy's cancel calls (service token; not part of the API).
  app.route("/internal", internalRoutes);
  registerRoutes(documented, cancelConnectionRoute);
  serveOpenApiDocument(app);
  app.route("/", playgroundRoutes);
  registerRoutes(documented, playgroundRoute, playgroundAssetRoute);
  // Browser apps (the `openai` client included) call the API directly.
  app.use("/v1/*", apiCors());
  app.use("/trpc/*", apiCors());
  // Signed URLs authorise themselves, so files are served before API-key checks.
  app.route("/v1/files", fileRoutes);

  // The key check counts an image request's `n`, so those bodies (JSON, and the edit and
  // variation uploads) are read first; every other body only once the key has passed.
  for (const [method, path] of IMAGE_ENDPOINTS) {
    app.on(method, path, bodyLimit({ maxBytes: uploadOrJson }));
  }
  app.use("/v1/*", apiKeyAccess());
  app.use(
    "/v1/*",
    bodyLimit({
      maxBytes: uploadOrJson,
    }),
  );
  app.route("/v1/models", modelRoutes);
  registerRoutes(documented, listModelsRoute, retrieveModelRoute);
  app.route("/v1/images", imageRoutes);
  registerRoutes(documented, imageGenerationRoute);
  app.route("/v1/images", editRoutes);
  app.route("/v1/images", variationRoutes);
  registerRoutes(documented, imageEditRoute, imageVariationRoute);
  app.route("/v1/images", captionRoutes);
  app.route("/v1/images", scoreRoutes);
  app.route("/v1/prompts", promptRoutes);

  // tRPC for typed clients: the same key checks, limits and handlers as `/v1`.
  app.use("/trpc/*", apiKeyAccess(), bodyLimit({ maxBytes: MAX_UPLOAD_BYTES }));
  app.all("/trpc/*", (c) =>
    fetchRequestHandler({
      endpoint: "/trpc",
      req: c.req.raw,
      router: edgeRouter,
      createContext: () => edgeTRPCContext(c),
    }),
  );
  registerRoutes(documented, trpcQueryRoute, trpcMutationRoute);

  app.use("/admin/*", adminAuth(), bodyLimit({ maxBytes: MAX_JSON_BODY_BYTES }));
  app.route("/admin", adminRoutes);

  app.notFound((c) =>
    c.json(errorEnvelope("unknown_url", `Invalid URL (${c.req.method} ${c.req.path})`), 404),
  );
  app.onError((error, c) => {
    const requestId = c.get("requestId");
    if (requestId) c.header("x-request-id", requestId);
    if (error instanceof ApiError) {
      for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
      return c.json(error.envelope, error.status);
    }
    if (error instanceof HTTPException && error.status < 500) {
      return c.json(
        errorEnvelope("invalid_request", error.message || "Invalid request."),
        error.status,
      );
    }
    console.error(
      JSON.stringify({ level: "error", requestId, message: error.message, stack: error.stack }),
    );
    const status = statusForCode("internal_error") as ContentfulStatusCode;
    const message = `The server had an error while processing your request (request id ${requestId ?? "unknown"}).`;
    return c.json(errorEnvelope("internal_error", message), status);
  });

  return app;
}
