/**
 * The two OpenAI request surfaces of `POST /v1/images/generations` (dall-e-3's and
 * gpt-image's, picked by `model`) seen through one set of questions, so the generation code
 * below never branches on the family itself: which concrete size, what comes back
 * (`url` / `b64_json`), which `style` steers upsampling, which runtime quality, how many
 * previews, and the gpt-image fields echoed in responses and stream events.
 *
 * @module
 */
import {
  type AnyImageGenerationRequest,
  type ApiImageSize,
  type GenerateResult,
  type GenerationQuality,
  type ImageStyle,
  type ImageUsage,
  isGptImageRequest,
  parseImageGenerationRequest,
  type ResponseFormat,
  resolveGptImageSize,
} from "@limner/contracts";
import type { Context } from "hono";
import { ApiError } from "../api-error";
import { readJson } from "../request-body";

/** What the rest of the edge needs to know about a request, whichever surface it used. */
export interface RequestSurface {
  /** The pixel size to render (gpt-image's `auto` resolved to `1024x1024`). */
  size: ApiImageSize;
  responseFormat: ResponseFormat;
  /**
   * dall-e-3's `style`, which steers prompt upsampling. gpt-image has none; its prompts are
   * upsampled as `natural`, the hint that adds no drama of its own.
   */
  style: ImageStyle;
  quality: GenerationQuality;
  outputCompression: number | undefined;
  /** Previews to ask the runtime for when streaming (gpt-image's `partial_images`). */
  partialImages: number;
  /** The request's `background` as stream events echo it (dall-e-3 images are `opaque`). */
  background: "opaque" | "auto";
  /** gpt-image answers with the settings used and token usage, as OpenAI's does. */
  gptImage: boolean;
}

/** Reads and validates a generation body against the surface its `model` names. */
export async function readGenerationRequest(c: Context): Promise<AnyImageGenerationRequest> {
  const result = parseImageGenerationRequest(await readJson(c));
  if (!result.ok) throw new ApiError(result.status, result.error);
  return result.data;
}

/** The {@link RequestSurface} of a validated request. */
export function requestSurface(request: AnyImageGenerationRequest): RequestSurface {
  if (isGptImageRequest(request)) {
    return {
      size: resolveGptImageSize(request.size),
      responseFormat: "b64_json",
      style: "natural",
      quality: request.quality,
      outputCompression: request.output_compression,
      partialImages: request.partial_images,
      background: request.background,
      gptImage: true,
    };
  }
  return {
    size: request.size,
    responseFormat: request.response_format,
    style: request.style,
    quality: request.quality,
    outputCompression: undefined,
    partialImages: 0,
    background: "opaque",
    gptImage: false,
  };
}

/**
 * The quality gpt-image's response reports: the level actually used (`auto` renders as
 * `medium`, the model's default steps and decoder; see gpu-runtime `quality-settings.ts`).
 */
export function usedGptQuality(quality: GenerationQuality): "low" | "medium" | "high" {
  if (quality === "low") return "low";
  if (quality === "high" || quality === "hd") return "high";
  return "medium";
}

/**
 * OpenAI's `usage` from what the runtime counted: text tokens from the model's tokenizer, and
 * the latent cells denoised as output tokens (contracts `ImageUsage`).
 */
export function toOpenAIUsage(usage: GenerateResult["usage"]): ImageUsage {
  return {
    input_tokens: usage.textTokens,
    input_tokens_details: { text_tokens: usage.textTokens, image_tokens: 0 },
    output_tokens: usage.latentTokens,
    total_tokens: usage.textTokens + usage.latentTokens,
  };
}
