/**
 * `@limner/sdk`: a typed client for Limner's edge.
 *
 * @example
 * import { Limner } from "@limner/sdk";
 * const limner = new Limner({ baseURL: "http://127.0.0.1:8787/v1", apiKey: process.env.LIMNER_API_KEY! });
 * const stream = await limner.images.generate({ prompt: "a red circle", stream: true });
 * for await (const event of stream) if (event.type === "limner.progress") console.log(event.step);
 *
 * @module
 */

export type {
  ApiKey,
  ApiKeyList,
  CaptionDetail,
  CaptionResponse,
  CreatedApiKey,
  CreateKeyRequestInput,
  EdgeReadiness,
  ImageCompletedEvent,
  ImageData,
  ImageGenerationMetadata,
  ImageGenerationResponse,
  ImageGenerationStreamEvent,
  ImagePartialImageEvent,
  ImageProgressEvent,
  ImageQueuedEvent,
  ImageSize,
  Model,
  ModelList,
  PromptScores,
  RevokedApiKey,
  SceneGraph,
  SceneGraphObject,
  ScoreResponse,
  UpsampleRequestInput,
  UpsampleResponse,
} from "@limner/contracts";
export { DEFAULT_BASE_URL, Limner, type LimnerOptions } from "./client";
export * from "./core/error";
export { ImageStream } from "./core/image-stream";
export type { RequestOptions } from "./core/transport";
export type { Uploadable } from "./core/uploads";
export type {
  ImageCaptionParams,
  ImageGenerateParams,
  ImageGenerateParamsNonStreaming,
  ImageGenerateParamsStreaming,
  ImageScoreParams,
} from "./resources/images";
