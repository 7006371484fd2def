/**
 * `POST /v1/prompts/upsample`: the deployment's prompt upsampling on its own, so clients can
 * show or edit the descriptive prompt before generating.
 *
 * @module
 */
import { UpsampleRequest, type UpsampleResponse } from "@limner/contracts";
import { Hono } from "hono";
import { apiError } from "../api-error";
import { edgeConfig } from "../config";
import type { EdgeEnv } from "../env";
import { readValidatedJson } from "../request-body";
import { upsamplePrompt } from "../upsampling/prompt-upsampling";

export const promptRoutes = new Hono<EdgeEnv>().post("/upsample", async (c) => {
  const request = await readValidatedJson(c, UpsampleRequest);
  const config = edgeConfig(c.env);
  const modelId = request.model ?? config.defaultModel;
  const models = await c.var.runtimes.call(c.var.requestId, (runtime) => runtime.models.query());
  const model = models.find((m) => m.id === modelId);
  if (!model) throw apiError("model_not_found", `The model '${modelId}' does not exist.`, "model");
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
  const response: UpsampleResponse = {
    prompt: request.prompt,
    revised_prompt: outcome.revisedPrompt,
    strategy: outcome.strategy,
  };
  return c.json(response);
});
