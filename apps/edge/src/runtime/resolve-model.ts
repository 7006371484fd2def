/**
 * Which model a request means, from the runtimes' own list: no `model` (or OpenAI's `dall-e-3`,
 * which stock clients hard-code) is the deployment's default. The list is asked of a runtime
 * that is READY with that model loaded (the pool's readiness routing), so a runtime that is
 * still loading — whose list is empty — is never asked, and its answer never kept. A model
 * found is kept for a few seconds per isolate, so generations do not pay an extra runtime round
 * trip each; an absence is never kept. With no runtime ready the answer is 503 (retry), not 404.
 *
 * @module
 */
import { IMAGE_MODEL_ALIASES, type RuntimeModel } from "@limner/contracts";
import type { Context } from "hono";
import { apiError } from "../api-error";
import { edgeConfig } from "../config";
import type { EdgeEnv } from "../env";

const MODEL_TTL_MS = 5_000;
const found = new Map<string, { at: number; model: RuntimeModel }>();

async function findModel(c: Context<EdgeEnv>, id: string): Promise<RuntimeModel | undefined> {
  const hit = found.get(id);
  if (hit && Date.now() - hit.at < MODEL_TTL_MS) return hit.model;
  const models = await c.var.runtimes.call(c.var.requestId, (runtime) => runtime.models.query(), {
    model: id,
  });
  const model = models.find((m) => m.id === id);
  if (model) found.set(id, { at: Date.now(), model });
  else found.delete(id);
  return model;
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
  const model = await findModel(c, modelId);
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
