/**
 * `POST /v1/prompts/upsample`: the deployment's prompt upsampling on its own, so clients can
 * show or edit the descriptive prompt before generating.
 *
 * @module
 */
import { UpsampleRequest, type UpsampleResponse } from "@limner/contracts";
import { type Context, Hono } from "hono";
import { edgeConfig } from "../config";
import type { EdgeEnv } from "../env";
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

export const promptRoutes = new Hono<EdgeEnv>().post("/upsample", async (c) =>
  c.json(await upsampleRequest(c, await readValidatedJson(c, UpsampleRequest))),
);
