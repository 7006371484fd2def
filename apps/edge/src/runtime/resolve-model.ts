/**
 * Which model a request means, from the runtimes' own list: no `model` (or OpenAI's `dall-e-3`,
 * which stock clients hard-code) is the deployment's default. The list is kept for a few
 * seconds per isolate, so generations do not pay an extra runtime round trip each; a model that
 * vanished meanwhile is still refused by the runtime itself (404).
 *
 * @module
 */
import { IMAGE_MODEL_ALIASES, type RuntimeModel } from "@limner/contracts";
import type { Context } from "hono";
import { apiError } from "../api-error";
import { edgeConfig } from "../config";
import type { EdgeEnv } from "../env";

const MODEL_LIST_TTL_MS = 5_000;
let cached: { at: number; models: readonly RuntimeModel[] } | undefined;

async function modelList(c: Context<EdgeEnv>): Promise<readonly RuntimeModel[]> {
  if (cached && Date.now() - cached.at < MODEL_LIST_TTL_MS) return cached.models;
  const models = await c.var.runtimes.call(c.var.requestId, (runtime) => runtime.models.query());
  cached = { at: Date.now(), models };
  return models;
}

/** The model for `requested`, which must offer `capability` when one is given. */
export async function resolveModel(
  c: Context<EdgeEnv>,
  requested: string | undefined,
  capability?: string,
): Promise<RuntimeModel> {
  const modelId =
    requested === undefined || IMAGE_MODEL_ALIASES.includes(requested)
      ? edgeConfig(c.env).defaultModel
      : requested;
  const model = (await modelList(c)).find((m) => m.id === modelId);
  if (!model)
    throw apiError(
      "model_not_found",
      `The model '${requested ?? modelId}' does not exist.`,
      "model",
    );
  if (capability && !model.capabilities.includes(capability)) {
    throw apiError(
      "unsupported_value",
      `The model '${modelId}' cannot ${capability} (it offers: ${model.capabilities.join(", ") || "nothing"}).`,
      "model",
    );
  }
  return model;
}
