/**
 * `POST /v1/images/captions`: describes an image with the model's captioner, `detail: short`
 * (main subjects) or `descriptive` (everything: the style the image model is trained on). The
 * image comes as a multipart `file` or as JSON `image` (base64 or a data URL).
 *
 * @module
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { CaptionDetail, CaptionRequest, type CaptionResponse } from "@limner/contracts";
import type { Context } from "hono";
import { apiError } from "../api-error";
import { base64ToBytes, bytesToBase64 } from "../base64";
import { edgeConfig } from "../config";
import type { EdgeEnv } from "../env";
import { checkUploadedImage } from "../images/image-upload";
import { documentedRoute } from "../openapi/documented-route";
import {
  API_KEY_SECURITY,
  apiErrors,
  apiHeaders,
  CaptionUploadForm,
  schemas,
} from "../openapi/openapi-components";
import { isMultipart, readUploadForm, readValidatedJson } from "../request-body";

const captionRoute = createRoute({
  method: "post",
  path: "/captions",
  operationId: "createImageCaption",
  tags: ["Images"],
  summary: "Describe an image with the model's captioner (Limner extension)",
  description:
    "The image is checked from its header (PNG, JPEG or WebP, at most 16.7 Mpx) before anything decodes it: not an image → 400 `invalid_image_format`, too many pixels → 413.",
  security: API_KEY_SECURITY,
  request: {
    body: {
      required: true,
      content: {
        "application/json": { schema: schemas.CaptionRequest },
        "multipart/form-data": { schema: CaptionUploadForm },
      },
    },
  },
  responses: {
    "200": {
      description: "The caption",
      headers: apiHeaders(),
      content: { "application/json": { schema: schemas.CaptionResponse } },
    },
    ...apiErrors(),
  },
});

export const captionRoutes = new OpenAPIHono<EdgeEnv>();

documentedRoute(captionRoutes, captionRoute, async (c) => {
  let image: Uint8Array;
  let detail: CaptionDetail = "descriptive";
  let model: string | undefined;
  if (isMultipart(c)) {
    const { form, file } = await readUploadForm(c);
    const parsedDetail = CaptionDetail.safeParse(form.get("detail") ?? "descriptive");
    if (!parsedDetail.success)
      throw apiError("invalid_value", "'detail' must be 'short' or 'descriptive'.", "detail");
    detail = parsedDetail.data;
    const formModel = form.get("model");
    model = typeof formModel === "string" && formModel.length > 0 ? formModel : undefined;
    image = new Uint8Array(await file.arrayBuffer());
  } else {
    const request = await readValidatedJson(c, CaptionRequest);
    detail = request.detail;
    model = request.model;
    image = base64ToBytes(request.image);
  }
  return c.json(await captionImage(c, image, detail, model));
});

/** Captions checked image bytes; REST and tRPC (`trpc/edge-router.ts`) share it. */
export async function captionImage(
  c: Context<EdgeEnv>,
  image: Uint8Array,
  detail: CaptionDetail,
  model: string | undefined,
): Promise<CaptionResponse> {
  checkUploadedImage(image);
  const modelId = model ?? edgeConfig(c.env).defaultModel;
  const result = await c.var.runtimes.call(c.var.requestId, (runtime) =>
    runtime.caption.mutate({ model: modelId, image: bytesToBase64(image), detail }),
  );
  return { caption: result.caption, detail: result.detail, model: result.model };
}
