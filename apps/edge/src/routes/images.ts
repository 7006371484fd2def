/**
 * `POST /v1/images/generations`: validates the request exactly as the contracts define it and
 * checks the model can generate. Generation itself is routed to a runtime's `generate`
 * procedure once runtimes expose one; until then a model without the `generate` capability is
 * refused with a clear error rather than a hang or a placeholder image.
 *
 * @module
 */
import {
  DEFAULT_IMAGE_MODEL,
  IMAGE_MODEL_ALIASES,
  ImageGenerationRequest,
  UNSUPPORTED_IMAGE_FIELDS,
} from "@limner/contracts";
import { Hono } from "hono";
import { apiError } from "../api-error";
import type { EdgeEnv } from "../env";
import { readValidatedJson } from "../request-body";

export const imageRoutes = new Hono<EdgeEnv>().post("/generations", async (c) => {
  const request = await readValidatedJson(c, ImageGenerationRequest, UNSUPPORTED_IMAGE_FIELDS);
  // Stock clients hard-code OpenAI's model name; it means "this deployment's default".
  const modelId = IMAGE_MODEL_ALIASES.includes(request.model) ? DEFAULT_IMAGE_MODEL : request.model;
  const models = await c.var.runtimes.call(c.var.requestId, (runtime) => runtime.models.query());
  const model = models.find((m) => m.id === modelId);
  if (!model) {
    throw apiError("model_not_found", `The model '${request.model}' does not exist.`, "model");
  }
  if (!model.capabilities.includes("generate")) {
    throw apiError(
      "unsupported_value",
      `The model '${modelId}' cannot generate images (it offers: ${model.capabilities.join(", ") || "nothing"}).`,
      "model",
    );
  }
  throw apiError(
    "no_runtime_available",
    "No GPU runtime in the pool offers image generation yet.",
    null,
    { "retry-after": "60" },
  );
});
