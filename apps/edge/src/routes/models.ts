/**
 * `GET /v1/models` and `GET /v1/models/:id`, in OpenAI's list format, from what the runtimes
 * actually have loaded.
 *
 * @module
 */
import type { Model, ModelList, RuntimeModel } from "@limner/contracts";
import { type Context, Hono } from "hono";
import { apiError } from "../api-error";
import type { EdgeEnv } from "../env";

function toOpenAIModel(model: RuntimeModel): Model {
  return {
    id: model.id,
    object: "model",
    created: model.created,
    owned_by: "limner",
    capabilities: model.capabilities,
  };
}

/** The models the runtimes serve; REST and tRPC (`trpc/edge-router.ts`) share it. */
export async function modelList(c: Context<EdgeEnv>): Promise<ModelList> {
  const models = await c.var.runtimes.call(c.var.requestId, (runtime) => runtime.models.query());
  return { object: "list", data: models.map(toOpenAIModel) };
}

export const modelRoutes = new Hono<EdgeEnv>()
  .get("/", async (c) => c.json(await modelList(c)))
  .get("/:id", async (c) => {
    const id = c.req.param("id");
    const models = await c.var.runtimes.call(c.var.requestId, (runtime) => runtime.models.query());
    const model = models.find((m) => m.id === id);
    if (!model) throw apiError("model_not_found", `The model '${id}' does not exist.`, "model");
    return c.json(toOpenAIModel(model));
  });
