/**
 * The one translation between OpenAI's wire format (snake_case, API sizes) and the runtime's
 * `generate` input (camelCase, native buckets), and back for the response.
 *
 * @module
 */
import {
  type AnyImageGenerationRequest,
  bucketForSize,
  type GenerateInputIn,
  type GenerateResult,
  type ImageGenerationResponse,
  isGptImageRequest,
  parseSize,
  type RuntimeModel,
  resolveGptImageSize,
} from "@limner/contracts";
import { requestSurface, toOpenAIUsage, usedGptQuality } from "./request-surface";

/**
 * The runtime's `generate` input for `request`. `previews` > 0 asks for that many previews
 * (decoded x₀ estimates, encoded like the final image) on the progress events.
 */
export function toRuntimeRequest(
  request: AnyImageGenerationRequest,
  model: RuntimeModel,
  revisedPrompt: string,
  requestId: string,
  deadlineMs: number,
  previews = 0,
): GenerateInputIn {
  const surface = requestSurface(request);
  return {
    requestId,
    model: model.id,
    prompt: revisedPrompt,
    n: request.n,
    bucket: bucketForSize(surface.size, model.buckets).name,
    outputSize: parseSize(surface.size),
    quality: surface.quality,
    outputFormat: request.output_format,
    deadlineMs,
    ...(previews > 0 ? { previews } : {}),
    ...(surface.outputCompression !== undefined
      ? { outputCompression: surface.outputCompression }
      : {}),
    ...(request.negative_prompt !== undefined ? { negativePrompt: request.negative_prompt } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.steps !== undefined ? { steps: request.steps } : {}),
    ...(request.guidance_scale !== undefined ? { guidanceScale: request.guidance_scale } : {}),
    ...(request.decoder !== undefined ? { decoder: request.decoder } : {}),
  };
}

/**
 * OpenAI's response for `result`; a gpt-image request also gets the settings used and `usage`,
 * as OpenAI answers for those models.
 */
export function toOpenAIResponse(
  request: AnyImageGenerationRequest,
  result: GenerateResult,
  images: { url?: string; b64_json?: string }[],
  revisedPrompt: string,
  created: number,
): ImageGenerationResponse {
  return {
    created,
    data: images.map((image) => ({ ...image, revised_prompt: revisedPrompt })),
    ...(isGptImageRequest(request)
      ? {
          background: "opaque",
          output_format: request.output_format,
          quality: usedGptQuality(request.quality),
          size: resolveGptImageSize(request.size),
          usage: toOpenAIUsage(result.usage),
        }
      : {}),
    limner: {
      seed: result.images[0]?.seed ?? 0,
      model: result.model,
      native_size: `${result.nativeWidth}x${result.nativeHeight}`,
      timings_ms: result.timingsMs,
      images: result.images.map((image) => ({ seed: image.seed, index: image.index })),
    },
  };
}
