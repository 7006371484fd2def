/**
 * `POST /v1/images/scores` (a Limner extension): the runtime's judge reads the image back as a
 * scene graph and scores the prompt against it (T2I-CompBench-style binding, counting and
 * spatial scores), with the captioner's image–text similarity; what `limner eval` measures a
 * deployment with. The image comes as JSON `image` (base64 or a data URL) or a multipart
 * `file` with a `prompt` field, as captions do.
 *
 * @module
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import {
  MAX_PROMPT_LENGTH,
  ScoreRequest,
  type ScoreResponse,
  toScoreResponse,
} from "@limner/contracts";
import type { Context } from "hono";
import { apiError } from "../api-error";
import { base64ToBytes, bytesToBase64 } from "../base64";
import type { EdgeEnv } from "../env";
import { checkUploadedImage } from "../images/image-upload";
import { documentedRoute } from "../openapi/documented-route";
import {
  API_KEY_SECURITY,
  apiErrors,
  apiHeaders,
  ScoreUploadForm,
  schemas,
} from "../openapi/openapi-components";
import { isMultipart, readUploadForm, readValidatedJson } from "../request-body";
import { resolveModel } from "../runtime/resolve-model";

const scoreRoute = createRoute({
  method: "post",
  path: "/scores",
  operationId: "createImageScore",
  tags: ["Images"],
  summary: "Score an image against a prompt (Limner extension)",
  description:
    "The runtime's judge reads the image back as a scene graph: T2I-CompBench-style binding, counting and spatial scores, and the captioner's image–text similarity. The same upload checks as captions.",
  security: API_KEY_SECURITY,
  request: {
    body: {
      required: true,
      content: {
        "application/json": { schema: schemas.ScoreRequest },
        "multipart/form-data": { schema: ScoreUploadForm },
      },
    },
  },
  responses: {
    "200": {
      description: "The scores",
      headers: apiHeaders(),
      content: { "application/json": { schema: schemas.ScoreResponse } },
    },
    ...apiErrors(),
  },
});

export const scoreRoutes = new OpenAPIHono<EdgeEnv>();

documentedRoute(scoreRoutes, scoreRoute, async (c) => {
  if (!isMultipart(c)) {
    const request = await readValidatedJson(c, ScoreRequest);
    return c.json(await scoreImage(c, base64ToBytes(request.image), request.prompt, request.model));
  }
  const { form, file } = await readUploadForm(c);
  const prompt = form.get("prompt");
  if (typeof prompt !== "string" || prompt.length === 0) {
    throw apiError(
      "missing_required_parameter",
      "Missing required parameter: 'prompt' (the prompt to score the image against).",
      "prompt",
    );
  }
  const parsed = ScoreRequest.shape.prompt.safeParse(prompt);
  if (!parsed.success)
    throw apiError(
      "string_above_max_length",
      `'prompt' is longer than ${MAX_PROMPT_LENGTH} characters.`,
      "prompt",
    );
  const model = form.get("model");
  return c.json(
    await scoreImage(
      c,
      new Uint8Array(await file.arrayBuffer()),
      parsed.data,
      typeof model === "string" && model.length > 0 ? model : undefined,
    ),
  );
});

/** Scores checked image bytes against a prompt; REST and tRPC (`trpc/edge-router.ts`) share it. */
export async function scoreImage(
  c: Context<EdgeEnv>,
  image: Uint8Array,
  prompt: string,
  model: string | undefined,
): Promise<ScoreResponse> {
  checkUploadedImage(image);
  const { id } = await resolveModel(c, model);
  const result = await c.var.runtimes.call(
    c.var.requestId,
    (runtime) => runtime.score.mutate({ model: id, image: bytesToBase64(image), prompt }),
    { model: id },
  );
  return toScoreResponse(result);
}
