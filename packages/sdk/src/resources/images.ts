/**
 * `limner.images`: generation (`POST /images/generations`, JSON or streamed), captioning
 * (`POST /images/captions`) and scoring against a prompt (`POST /images/scores`), the last two
 * Limner extensions.
 *
 * @module
 */
import {
  type CaptionDetail,
  CaptionResponse,
  type ImageGenerationRequestInput,
  ImageGenerationResponse,
  ScoreResponse,
} from "@limner/contracts";
import { ImageStream } from "../core/image-stream";
import { APIResource } from "../core/resource";
import type { RequestOptions } from "../core/transport";
import { toBlob, type Uploadable } from "../core/uploads";

/** `images.generate`'s body: OpenAI's dall-e-3 fields plus Limner's extensions. */
export type ImageGenerateParams = ImageGenerationRequestInput;
export type ImageGenerateParamsNonStreaming = ImageGenerateParams & { stream?: false };
export type ImageGenerateParamsStreaming = ImageGenerateParams & { stream: true };

export interface ImageCaptionParams {
  image: Uploadable;
  /** `short` names the main subjects; `descriptive` (default) covers everything. */
  detail?: CaptionDetail;
  model?: string;
}

export interface ImageScoreParams {
  image: Uploadable;
  /** The prompt to score against: what the user asked for, not the upsampler's rewrite. */
  prompt: string;
  /** Whose contrastive towers give the similarity (default: the deployment's model). */
  model?: string;
}

export class Images extends APIResource {
  /**
   * Generates `n` images. With `stream: true` the answer is an {@link ImageStream} of progress
   * and image events; `await stream.finalResult()` gives the same shape as without.
   *
   * @example
   * const { data } = await limner.images.generate({ prompt: "a red circle", seed: 7 });
   */
  generate(
    body: ImageGenerateParamsNonStreaming,
    options?: RequestOptions,
  ): Promise<ImageGenerationResponse>;
  generate(body: ImageGenerateParamsStreaming, options?: RequestOptions): Promise<ImageStream>;
  generate(
    body: ImageGenerateParams,
    options?: RequestOptions,
  ): Promise<ImageGenerationResponse | ImageStream>;
  async generate(
    body: ImageGenerateParams,
    options: RequestOptions = {},
  ): Promise<ImageGenerationResponse | ImageStream> {
    const call = { method: "POST", path: "/images/generations", body, ...options } as const;
    if (!body.stream) return this._transport.json(call, ImageGenerationResponse);
    // The stream outlives the call that opened it, so it gets its own controller, tied to
    // the caller's signal.
    const controller = new AbortController();
    const signal = options.signal
      ? AbortSignal.any([options.signal, controller.signal])
      : controller.signal;
    // The per-attempt timeout would cut a long generation short mid-stream; only the caller's
    // signal (or the controller) ends a stream.
    const response = await this._transport.send({
      ...call,
      signal,
      stream: true,
      timeout: options.timeout ?? 2 ** 31 - 1,
    });
    return new ImageStream(response, controller);
  }

  /**
   * Describes an image with the model's captioner.
   *
   * @example
   * const { caption } = await limner.images.caption({ image: "out.png", detail: "short" });
   */
  async caption(params: ImageCaptionParams, options?: RequestOptions): Promise<CaptionResponse> {
    const { blob, name } = await toBlob(params.image);
    const form = new FormData();
    form.set("file", blob, name);
    form.set("detail", params.detail ?? "descriptive");
    if (params.model) form.set("model", params.model);
    return this._transport.json(
      { method: "POST", path: "/images/captions", body: form, ...options },
      CaptionResponse,
    );
  }

  /**
   * Scores an image against a prompt with the runtime's judge: the scene graph it reads back,
   * T2I-CompBench-style binding, counting and spatial scores, and the image–text similarity.
   *
   * @example
   * const { scores } = await limner.images.score({ image: "out.png", prompt: "a red star" });
   * scores.colour_binding; // 1 when the star is red
   */
  async score(params: ImageScoreParams, options?: RequestOptions): Promise<ScoreResponse> {
    const { blob, name } = await toBlob(params.image);
    const form = new FormData();
    form.set("file", blob, name);
    form.set("prompt", params.prompt);
    if (params.model) form.set("model", params.model);
    return this._transport.json(
      { method: "POST", path: "/images/scores", body: form, ...options },
      ScoreResponse,
    );
  }
}
