/**
 * `POST /v1/prompts/upsample`: the deployment's prompt upsampling on its own, so clients can
 * show or edit the descriptive prompt before generating.
 *
 * @module
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { UpsampleRequest, type UpsampleResponse } from "@limner/contracts";
import type { Context } from "hono";
import { edgeConfig } from "../config";
import type { EdgeEnv } from "../env";
import { documentedRoute } from "../openapi/documented-route";
import { API_KEY_SECURITY, apiErrors, apiHeaders, schemas } from "../openapi/openapi-components";
import { readValidatedJson } from "../request-body";
import { resolveModel } from "../runtime/resolve-model";
import { upsamplePrompt } from "../upsampling/prompt-upsampling";

/** The upsampling of one validated request; REST and tRPC (`trpc/edge-router.ts`) share it. */
export async function upsampleRequest(
  c: Context<EdgeEnv>,
  request: UpsampleRequest,
): Promise<UpsampleResponse> {
  const config = edgeConfig(c.env);
  const model = await resolveModel(c, request.model);
  const outcome = await upsamplePrompt(
    {
      prompt: request.prompt,
      style: request.style ?? "vivid",
      requested: true,
      model,
      requestId: c.var.requestId,
    },
    config.upsampling,
    c.var.runtimes,
  );
  return {
    prompt: request.prompt,
    revised_prompt: outcome.revisedPrompt,
    strategy: outcome.strategy,
  };
}

const upsampleRoute = createRoute({
  method: "post",
  path: "/upsample",
  operationId: "upsamplePrompt",
  tags: ["Prompts"],
  summary: "Rewrite a short prompt into the descriptive one the model would see",
  security: API_KEY_SECURITY,
  request: {
    body: { required: true, content: { "application/json": { schema: schemas.UpsampleRequest } } },
  },
  responses: {
    "200": {
      description: "The prompt and its rewrite",
      headers: apiHeaders(),
      content: { "application/json": { schema: schemas.UpsampleResponse } },
    },
    ...apiErrors(),
  },
});

export const promptRoutes = new OpenAPIHono<EdgeEnv>();

documentedRoute(promptRoutes, upsampleRoute, async (c) =>
  c.json(await upsampleRequest(c, await readValidatedJson(c, UpsampleRequest))),
);
