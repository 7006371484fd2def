/**
 * `GET /v1/models` and `GET /v1/models/:id`, in OpenAI's list format, from what the runtimes
 * actually have loaded.
 *
 * @module
 */
import type { Model, ModelList, RuntimeModel } from "@limner/contracts";
import { Hono } from "hono";
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

export const modelRoutes = new Hono<EdgeEnv>()
  .get("/", async (c) => {
    const models = await c.var.runtimes.call(c.var.requestId, (runtime) => runtime.models.query());
    const list: ModelList = { object: "list", data: models.map(toOpenAIModel) };
    return c.json(list);
  })
  .get("/:id", async (c) => {
    const id = c.req.param("id");
    const models = await c.var.runtimes.call(c.var.requestId, (runtime) => runtime.models.query());
    const model = models.find((m) => m.id === id);
    if (!model) throw apiError("model_not_found", `The model '${id}' does not exist.`, "model");
    return c.json(toOpenAIModel(model));
  });
