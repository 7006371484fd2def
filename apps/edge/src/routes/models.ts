/**
 * `GET /v1/models` and `GET /v1/models/:id`, in OpenAI's list format, from what the runtimes
 * actually have loaded, plus the OpenAI model ids the deployment maps (`runtime/model-aliases.ts`).
 *
 * @module
 */
import type { ModelList } from "@limner/contracts";
import { type Context, Hono } from "hono";
import { apiError } from "../api-error";
import { edgeConfig } from "../config";
import type { EdgeEnv } from "../env";
import { modelsWithAliases } from "../runtime/model-aliases";

/** The models the runtimes serve; REST and tRPC (`trpc/edge-router.ts`) share it. */
export async function modelList(c: Context<EdgeEnv>): Promise<ModelList> {
  const models = await c.var.runtimes.call(c.var.requestId, (runtime) => runtime.models.query());
  // OpenAI's ids that the deployment maps (dall-e-3, gpt-image-1, ...) are listed as models too.
  return { object: "list", data: modelsWithAliases(models, edgeConfig(c.env).defaultModel) };
}

export const modelRoutes = new Hono<EdgeEnv>()
  .get("/", async (c) => c.json(await modelList(c)))
  .get("/:id", async (c) => {
    const id = c.req.param("id");
    const model = (await modelList(c)).data.find((m) => m.id === id);
    if (!model) throw apiError("model_not_found", `The model '${id}' does not exist.`, "model");
    return c.json(model);
  });
