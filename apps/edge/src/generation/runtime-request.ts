/**
 * The one translation between OpenAI's wire format (snake_case, API sizes) and the runtime's
 * `generate` input (camelCase, native buckets), and back for the response.
 *
 * @module
 */
import {
  bucketForSize,
  type GenerateInputIn,
  type GenerateResult,
  type ImageGenerationRequest,
  type ImageGenerationResponse,
  parseSize,
  type RuntimeModel,
} from "@limner/contracts";

export function toRuntimeRequest(
  request: ImageGenerationRequest,
  model: RuntimeModel,
  revisedPrompt: string,
  requestId: string,
  deadlineMs: number,
): GenerateInputIn {
  return {
    requestId,
    model: model.id,
    prompt: revisedPrompt,
    n: request.n,
    bucket: bucketForSize(request.size, model.buckets).name,
    outputSize: parseSize(request.size),
    quality: request.quality,
    outputFormat: request.output_format,
    deadlineMs,
    ...(request.negative_prompt !== undefined ? { negativePrompt: request.negative_prompt } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.steps !== undefined ? { steps: request.steps } : {}),
    ...(request.guidance_scale !== undefined ? { guidanceScale: request.guidance_scale } : {}),
    ...(request.decoder !== undefined ? { decoder: request.decoder } : {}),
  };
}

export function toOpenAIResponse(
  result: GenerateResult,
  images: { url?: string; b64_json?: string }[],
  revisedPrompt: string,
  created: number,
): ImageGenerationResponse {
  return {
    created,
    data: images.map((image) => ({ ...image, revised_prompt: revisedPrompt })),
    limner: {
      seed: result.images[0]?.seed ?? 0,
      model: result.model,
      native_size: `${result.nativeWidth}x${result.nativeHeight}`,
      timings_ms: result.timingsMs,
    },
  };
}
