/**
 * One edit or variation as the edge runs it: translate the checked form into the runtime's
 * `edit` input (the one snake_case → camelCase place for these endpoints), call a runtime's
 * streaming `edit` (failing over between runtimes), store the images in R2, record the request
 * in D1 (usage ledger included), and answer in OpenAI's `ImagesResponse` shape.
 *
 * Unlike generations, edits are not replayed for a repeated `x-request-id`: each call runs
 * (the uploads are not kept to compare a retry against). A `seed` gives the same bytes again.
 *
 * @module
 */
import {
  DEFAULT_VARIATION_STRENGTH,
  type EditEvent,
  type EditInputIn,
  type EditResult,
  HIGH_FIDELITY_EDIT_STRENGTH,
  type ImageEditRequest,
  type ImageEditSize,
  type ImageGenerationResponse,
  type ImageVariationRequest,
  type RuntimeModel,
} from "@limner/contracts";
import { apiError } from "../api-error";
import { bytesToBase64 } from "../base64";
import { imageLinks } from "../files/image-links";
import { storeImages } from "../files/store-images";
import { GENERATION_DEADLINE_MS, type GenerationContext } from "../generation/generate-images";
import { recordStart, recordSuccess } from "../generation/generation-records";
import { recordedAttempt } from "../generation/recorded-attempt";
import { runtimeRequestId } from "../generation/runtime-request-id";
import { streamedResult } from "../runtime/runtime-stream";
import type { EditUploads } from "./edit-form";

/** An edit (with a prompt) or a variation (the runtime captions the image instead). */
export type EditRequest =
  | { kind: "edit"; request: ImageEditRequest }
  | { kind: "variation"; request: ImageVariationRequest };

export interface EditEvents {
  onEvent?(event: Exclude<EditEvent, { type: "completed" }>): void;
  /** Counted previews to ask the runtime for (`partial_images` when streaming). */
  previews?: number;
}

/** `auto` answers at the input's size; the others are OpenAI's fixed sizes. */
function outputSize(size: ImageEditSize): { width: number; height: number } | undefined {
  if (size === "auto") return undefined;
  const [width = 0, height = 0] = size.split("x").map(Number);
  return { width, height };
}

/** The runtime's input for a checked request. */
export function toEditInput(
  edit: EditRequest,
  uploads: EditUploads,
  model: RuntimeModel,
  requestId: string,
  previews: number | undefined,
): EditInputIn {
  const { request } = edit;
  const [image, ...references] = uploads.images.map(bytesToBase64);
  if (image === undefined) throw apiError("missing_required_parameter", "No image.", "image");
  const size = outputSize(request.size);
  const strength =
    request.strength ??
    (edit.kind === "variation"
      ? DEFAULT_VARIATION_STRENGTH
      : edit.request.input_fidelity === "high"
        ? HIGH_FIDELITY_EDIT_STRENGTH
        : undefined);
  return {
    requestId,
    model: model.id,
    image,
    references,
    n: request.n,
    outputFormat: request.output_format,
    deadlineMs: GENERATION_DEADLINE_MS,
    ...(uploads.mask ? { mask: bytesToBase64(uploads.mask) } : {}),
    ...(edit.kind === "edit"
      ? { prompt: edit.request.prompt, quality: runtimeQuality(edit.request.quality) }
      : {}),
    ...(size ? { outputSize: size } : {}),
    ...(strength !== undefined ? { strength } : {}),
    ...(request.negative_prompt !== undefined ? { negativePrompt: request.negative_prompt } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.steps !== undefined ? { steps: request.steps } : {}),
    ...(request.guidance_scale !== undefined ? { guidanceScale: request.guidance_scale } : {}),
    ...(request.decoder !== undefined ? { decoder: request.decoder } : {}),
    ...(request.output_compression !== undefined
      ? { outputCompression: request.output_compression }
      : {}),
    ...(previews ? { previews } : {}),
  };
}

/** OpenAI's edit `quality` in the runtime's terms (`auto` and `medium` are the defaults). */
function runtimeQuality(quality: ImageEditRequest["quality"]): EditInputIn["quality"] {
  return quality === "auto" || quality === "medium" ? "standard" : quality;
}

export async function editImages(
  ctx: GenerationContext,
  edit: EditRequest,
  uploads: EditUploads,
  model: RuntimeModel,
  events: EditEvents = {},
): Promise<ImageGenerationResponse> {
  const generationId = `gen_${crypto.randomUUID()}`;
  const { request } = edit;
  const prompt = edit.kind === "edit" ? edit.request.prompt : "(variation)";
  // Recorded under a request id of its own: edits are not replayed (see the module comment).
  await recordStart(ctx.env.DB, {
    id: generationId,
    keyId: ctx.apiKey.id,
    requestId: `${ctx.requestId}/${edit.kind}/${generationId}`,
    model: model.id,
    prompt,
    size: request.size,
    n: request.n,
  });
  return recordedAttempt(ctx.env.DB, generationId, async () => {
    const input = toEditInput(
      edit,
      uploads,
      model,
      await runtimeRequestId(ctx.apiKey.id, ctx.requestId),
      events.previews,
    );
    const result: EditResult = await ctx.runtimes.call(
      ctx.requestId,
      async (runtime) => streamedResult(await runtime.edit.mutate(input), events.onEvent),
      { model: model.id },
    );
    const files = await storeImages(ctx.env.FILES, result);
    const links = await imageLinks(result.images, files, request.response_format, {
      origin: ctx.origin,
      key: ctx.config.filesSigningKey,
    });
    const data = links.map((link) => ({
      ...link,
      // The prompt the model saw: the caption (plus references' captions) where it wrote one.
      ...(result.prompt !== prompt ? { revised_prompt: result.prompt } : {}),
    }));
    // OpenAI-style accounting: the input image(s) read as latent cells, like the output.
    const imageTokens = (result.usage.latentTokens / request.n) * uploads.images.length;
    const inputTokens = result.usage.textTokens + imageTokens;
    const response: ImageGenerationResponse = {
      created: Math.floor(Date.now() / 1000),
      data,
      background: "opaque",
      output_format: request.output_format,
      usage: {
        input_tokens: inputTokens,
        input_tokens_details: { text_tokens: result.usage.textTokens, image_tokens: imageTokens },
        output_tokens: result.usage.latentTokens,
        total_tokens: inputTokens + result.usage.latentTokens,
      },
      limner: {
        seed: result.images[0]?.seed ?? 0,
        model: result.model,
        native_size: `${result.nativeWidth}x${result.nativeHeight}`,
        timings_ms: result.timingsMs,
        images: result.images.map((image) => ({ seed: image.seed, index: image.index })),
      },
    };
    await recordSuccess(ctx.env.DB, generationId, ctx.apiKey.id, {
      revisedPrompt: result.prompt,
      seed: result.images[0]?.seed ?? 0,
      timings: result.timingsMs,
      files,
      metadata: response.limner,
    });
    return response;
  });
}
