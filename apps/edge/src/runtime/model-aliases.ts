/**
 * OpenAI model ids (`dall-e-3`, `gpt-image-1`, ...) as models of their own in `GET /v1/models`:
 * each alias is listed, and retrievable, as the deployment's default model under the alias's
 * id with `alias_of` naming what serves it, so a client that checks `models.retrieve("dall-e-3")`
 * before generating finds the model it is about to use.
 *
 * @module
 */
import { IMAGE_MODEL_ALIASES, type Model, type RuntimeModel } from "@limner/contracts";

/** OpenAI's model object for a model a runtime serves. */
export function toOpenAIModel(model: RuntimeModel): Model {
  return {
    id: model.id,
    object: "model",
    created: model.created,
    owned_by: "limner",
    capabilities: model.capabilities,
  };
}

/**
 * The runtimes' models followed by one entry per alias of `defaultModel`; no aliases when the
 * default model is not served (a request with an alias would fail with `model_not_found` too).
 */
export function modelsWithAliases(models: readonly RuntimeModel[], defaultModel: string): Model[] {
  const served = models.map(toOpenAIModel);
  const target = served.find((model) => model.id === defaultModel);
  if (!target) return served;
  const taken = new Set(served.map((model) => model.id));
  const aliases = IMAGE_MODEL_ALIASES.filter((alias) => !taken.has(alias)).map(
    (alias): Model => ({ ...target, id: alias, alias_of: target.id }),
  );
  return [...served, ...aliases];
}
