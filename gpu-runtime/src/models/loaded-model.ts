/**
 * A model ready to serve: its public description, request defaults and whichever pipelines its
 * bundle provides. Procedures ask for a pipeline and get a clear error when it is missing.
 *
 * @module
 */
import type {
  AspectBucket,
  CaptionDetail,
  Decoder,
  RuntimeModel,
  SchedulerName,
} from "@limner/contracts";
import type { ImageToImagePipeline } from "../pipelines/image-to-image";
import type { TextToImagePipeline } from "../pipelines/text-to-image";
import type { VaeEncoder } from "../pipelines/vae-encode";

export interface GenerationDefaults {
  steps: number;
  guidanceScale: number;
  scheduler: SchedulerName;
  decoder: Decoder;
}

export interface Captioner {
  caption(
    pixels: Float32Array,
    bucket: AspectBucket,
    options: { detail: CaptionDetail; beams: number; signal?: AbortSignal },
  ): Promise<string>;
}

export interface SimilarityScorer {
  similarity(
    pixels: Float32Array,
    bucket: AspectBucket,
    text: string,
    options: { signal?: AbortSignal },
  ): Promise<number>;
}

export interface PromptUpsampler {
  upsample(prompt: string): Promise<string>;
}

export interface LoadedModel {
  readonly info: RuntimeModel;
  readonly generationDefaults: GenerationDefaults;
  readonly textToImage?: TextToImagePipeline;
  /** Edits and variations: the text-to-image pipeline plus a VAE encoder. */
  readonly imageToImage?: ImageToImagePipeline;
  readonly imageToText?: Captioner;
  readonly similarity?: SimilarityScorer;
  readonly upsampler?: PromptUpsampler;
  /** Image → decoder-space latents (pipelines/vae-encode.ts), for image-to-image. */
  readonly vaeEncoder?: VaeEncoder;
  /** Releases the model's sessions in the inference pool. */
  dispose(): Promise<void>;
}
