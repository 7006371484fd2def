/**
 * `POST /v1/prompts/upsample`: the deployment's prompt upsampling on its own, so clients can
 * show or edit the descriptive prompt before generating.
 *
 * @module
 */
import { UpsampleRequest, type UpsampleResponse } from "@limner/contracts";
import { Hono } from "hono";
import { edgeConfig } from "../config";
import type { EdgeEnv } from "../env";
import { readValidatedJson } from "../request-body";
import { resolveModel } from "../runtime/resolve-model";
import { upsamplePrompt } from "../upsampling/prompt-upsampling";

export const promptRoutes = new Hono<EdgeEnv>().post("/upsample", async (c) => {
  const request = await readValidatedJson(c, UpsampleRequest);
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
  const response: UpsampleResponse = {
    prompt: request.prompt,
    revised_prompt: outcome.revisedPrompt,
    strategy: outcome.strategy,
  };
  return c.json(response);
});
