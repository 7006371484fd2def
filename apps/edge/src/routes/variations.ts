/**
 * `POST /v1/images/variations`: OpenAI's multipart variation request (one `image`, `n`,
 * `size`, `response_format`). The runtime captions the image with its descriptive captioner
 * and redraws it from that caption at `strength` (default 0.7): same composition, new details.
 *
 * @module
 */
import { ImageVariationRequest, UNSUPPORTED_VARIATION_FIELDS } from "@limner/contracts";
import { Hono } from "hono";
import { readEditForm } from "../editing/edit-form";
import { editImages } from "../editing/edit-images";
import type { EdgeEnv } from "../env";
import { resolveModel } from "../runtime/resolve-model";
import { generationContext } from "./images";

export const variationRoutes = new Hono<EdgeEnv>().post("/variations", async (c) => {
  const { request, uploads } = await readEditForm(c, ImageVariationRequest, {
    unsupported: UNSUPPORTED_VARIATION_FIELDS,
    maxImages: 1,
  });
  const model = await resolveModel(c, request.model, "edit");
  return c.json(
    await editImages(generationContext(c), { kind: "variation", request }, uploads, model),
  );
});
