/**
 * Image-to-image requests (`edit`: the edge's edits and variations) from procedure call to
 * encoded images: check every input image from its header before any decoding, resolve the
 * model's defaults (quality → steps / decoder as for `generate`), caption where a prompt is
 * needed (variations; reference images — with the model's captioner, else another loaded
 * model's), queue, run the image-to-image pipeline, composite the
 * input's pixels back outside the edit region at the answer's size, encode.
 *
 * Queueing: one bounded queue of its own, one request per batch (its `n` images share every
 * network call), so an edit never changes a generation batch's results and a full queue is
 * refused at once with a retry hint, as for `generate`. Cancellation and deadlines work as
 * there: a request whose caller leaves stops at the next denoising step.
 *
 * @module
 */
import { randomInt } from "node:crypto";
import {
  type AspectBucket,
  closestBucket,
  DEFAULT_EDIT_STRENGTH,
  type EditEvent,
  type EditInput,
  type EditResult,
} from "@limner/contracts";
import { BatchQueue, type BatchQueueOptions, type QueuedItem } from "../batching/batch-queue";
import { compositeKept, type EditRegion, editRegion, resizeRgb } from "../images/edit-region";
import { type CheckedImage, checkImage, toBucketTensor } from "../images/image-input";
import type { RuntimeMetrics } from "../metrics";
import type { LoadedModel } from "../models/loaded-model";
import { type ImageToImagePipeline, stepsToRun } from "../pipelines/image-to-image";
import type { RgbImage } from "../pipelines/latent-image";
import { PipelineInputError } from "../pipelines/pipeline-error";
import type {
  BatchSettings,
  ImageJob,
  StageTimings,
  TextToImagePipeline,
} from "../pipelines/text-to-image";
import {
  encodeBase64,
  encodeResults,
  latentPreviewPng,
  observeImageSeconds,
  renderedWith,
} from "./encode-results";
import { ModelNotFoundError } from "./generation-service";
import { qualitySettings } from "./quality-settings";
import { stepProgress } from "./step-progress";

interface PreparedEdit {
  input: EditInput;
  model: LoadedModel;
  pipeline: ImageToImagePipeline;
  image: CheckedImage;
  /** The image whose alpha marks the edit region: the mask, else the image itself. */
  regionSource: CheckedImage;
  /** The region at the bucket's size; absent: the whole image is edited. */
  region: EditRegion | undefined;
  bucket: AspectBucket;
  output: { width: number; height: number };
  prompt: string;
  strength: number;
  settings: BatchSettings;
  guidanceScale: number;
  seed: number;
  enqueuedAt: number;
  emit(event: EditEvent): void;
}

export interface EditServiceOptions extends Pick<BatchQueueOptions, "maxQueued"> {
  /** Largest input image accepted, in pixels (checked from the header). */
  maxInputPixels: number;
}

export class EditService {
  readonly #models: ReadonlyMap<string, LoadedModel>;
  readonly #queue: BatchQueue<PreparedEdit, EditResult>;
  readonly #metrics: RuntimeMetrics | undefined;
  readonly #maxPixels: number;

  constructor(
    models: ReadonlyMap<string, LoadedModel>,
    options: EditServiceOptions,
    metrics?: RuntimeMetrics,
  ) {
    this.#models = models;
    this.#metrics = metrics;
    this.#maxPixels = options.maxInputPixels;
    this.#queue = new BatchQueue(
      { maxBatch: 1, maxDelayMs: 0, maxQueued: options.maxQueued },
      (batch) => this.#runBatch(batch),
    );
  }

  get queueDepth(): number {
    return this.#queue.depth;
  }

  get activeBatches(): number {
    return this.#queue.active;
  }

  /** Stops accepting work and resolves when everything accepted has finished. */
  drain(): Promise<void> {
    return this.#queue.drain();
  }

  async edit(
    input: EditInput,
    options: { signal?: AbortSignal; onEvent?: (event: EditEvent) => void } = {},
  ): Promise<EditResult> {
    const { signal, onEvent } = options;
    const prepared = await this.#prepare(input, signal, (event) => onEvent?.(event));
    signal?.throwIfAborted();
    onEvent?.({ type: "queued", position: this.#queue.depth });
    return this.#queue.enqueue(prepared, {
      // Never batched with another request: its latents come from its own image.
      batchKey: input.requestId,
      ...(signal ? { signal } : {}),
      ...(input.deadlineMs ? { deadline: Date.now() + input.deadlineMs } : {}),
    });
  }

  async #prepare(
    input: EditInput,
    signal: AbortSignal | undefined,
    emit: (event: EditEvent) => void,
  ): Promise<PreparedEdit> {
    const model = this.#models.get(input.model);
    if (!model) throw new ModelNotFoundError(input.model, [...this.#models.keys()]);
    const pipeline = model.imageToImage;
    if (!pipeline) {
      throw new PipelineInputError(
        `Model '${input.model}' cannot edit images (it offers: ${model.info.capabilities.join(", ")}).`,
      );
    }
    // 1. Every image is checked from its header before anything is decoded.
    const limits = { maxPixels: this.#maxPixels };
    const image = await checkImage(input.image, limits);
    const mask = input.mask === undefined ? undefined : await checkImage(input.mask, limits);
    const references = await Promise.all(input.references.map((r) => checkImage(r, limits)));
    if (mask && (mask.width !== image.width || mask.height !== image.height)) {
      throw new PipelineInputError(
        `The mask is ${mask.width}×${mask.height} but the image is ${image.width}×${image.height}; they must have the same dimensions.`,
      );
    }
    // 2. The answer's size (the input's own by default) picks the bucket.
    const output = input.outputSize ?? { width: image.width, height: image.height };
    const bucket = closestBucket(output.width, output.height, model.info.buckets);
    const regionSource = mask ?? image;
    const region = await editRegion(regionSource, bucket.width, bucket.height, this.#maxPixels);
    // 3. The prompt: the client's, else the image's descriptive caption (a variation); each
    // reference image adds its short caption.
    const prompt = [
      input.prompt ?? (await this.#caption(model, image, "descriptive", signal)),
      ...(await Promise.all(references.map((r) => this.#caption(model, r, "short", signal)))),
    ].join(". ");
    const defaults = model.generationDefaults;
    const byQuality = qualitySettings(input.quality, defaults, pipeline.decoders);
    const decoder = input.decoder ?? byQuality.decoder;
    if (!pipeline.decoders.includes(decoder)) {
      throw new PipelineInputError(`This model has no '${decoder}' decoder.`);
    }
    return {
      input,
      model,
      pipeline,
      image,
      regionSource,
      region,
      bucket,
      output,
      prompt,
      // A region is replaced outright unless asked otherwise (OpenAI's edits redraw it).
      strength: input.strength ?? (region ? 1 : DEFAULT_EDIT_STRENGTH),
      settings: {
        width: bucket.width,
        height: bucket.height,
        steps: input.steps ?? byQuality.steps,
        scheduler: input.scheduler ?? defaults.scheduler,
        decoder,
      },
      guidanceScale: input.guidanceScale ?? defaults.guidanceScale,
      seed: input.seed ?? randomInt(0, 2 ** 32 - 1),
      enqueuedAt: Date.now(),
      emit,
    };
  }

  async #caption(
    model: LoadedModel,
    image: CheckedImage,
    detail: "short" | "descriptive",
    signal: AbortSignal | undefined,
  ): Promise<string> {
    // The model's own captioner, else the first loaded model's: a caption is plain text, and
    // the captioners share the shapes world's vocabulary.
    const captioning = model.imageToText
      ? model
      : [...this.#models.values()].find((m) => m.imageToText);
    if (!captioning?.imageToText) {
      throw new PipelineInputError(
        `No model here can caption images, so '${model.info.id}' needs a prompt for every image.`,
      );
    }
    const bucket = closestBucket(image.width, image.height, captioning.info.buckets);
    const pixels = await toBucketTensor(image, bucket, this.#maxPixels);
    return captioning.imageToText.caption(pixels, bucket, {
      detail,
      beams: 1,
      ...(signal ? { signal } : {}),
    });
  }

  async #runBatch(batch: readonly QueuedItem<PreparedEdit>[]): Promise<(EditResult | Error)[]> {
    return Promise.all(
      batch.map((item) =>
        this.#run(item).catch((error: unknown) =>
          error instanceof Error ? error : new Error(String(error)),
        ),
      ),
    );
  }

  async #run(item: QueuedItem<PreparedEdit>): Promise<EditResult> {
    const started = Date.now();
    const edit = item.request;
    const { input, pipeline, settings, bucket, seed, model } = edit;
    const stepsRun = stepsToRun(settings.steps, edit.strength);
    const { textToImage } = model;
    const progress = stepProgress({
      previews: input.previews,
      plannedSteps: stepsRun,
      model: input.model,
      metrics: this.#metrics,
      // Counted previews (gpt-image's `partial_images`) decode the x₀ estimate and look like
      // the answer; without a decoder here they are latent previews too.
      decoded: textToImage ? (x0) => this.#decodedPreview(textToImage, x0, edit) : undefined,
      latent: (latents) => latentPreviewPng(latents, bucket, pipeline.vaeScaleFactor),
      emit: edit.emit,
    });
    const jobs: (Omit<ImageJob, "init"> & { imageIndex: number })[] = Array.from(
      { length: input.n },
      (_, k) => ({
        prompt: edit.prompt,
        negativePrompt: input.negativePrompt,
        seed,
        imageIndex: k,
        guidanceScale: edit.guidanceScale,
        signal: item.signal,
        ...(k === 0 ? { onStep: progress.onStep } : {}),
      }),
    );
    const pixels = await toBucketTensor(edit.image, bucket, this.#maxPixels);
    const stages: StageTimings & { encode?: number } = {};
    const images = await pipeline.edit(
      { pixels, bucket, strength: edit.strength, ...(edit.region ? { region: edit.region } : {}) },
      jobs,
      settings,
      stages,
    );
    await progress.settled();
    const inferenceMs = Date.now() - started;
    const failed = images.find((image): image is Error => image instanceof Error);
    if (failed) throw failed;

    const encodeStart = Date.now();
    // #finish brings each image to the answer's size, so the encoder resizes nothing.
    const encoded = await encodeResults(
      images as RgbImage[],
      { outputFormat: input.outputFormat, outputCompression: input.outputCompression },
      seed,
      (image) => this.#finish(image, edit),
    );
    const now = Date.now();
    observeImageSeconds(
      this.#metrics,
      { model: input.model, bucket: bucket.name, decoder: settings.decoder },
      now - started,
      encoded.length,
    );
    const { encode: vaeEncode, ...pipelineStages } = stages;
    const tokens = (text: string) => (text === "" ? 0 : (textToImage?.countTokens(text) ?? 0));
    const scale = pipeline.vaeScaleFactor;
    const result: EditResult = {
      model: model.info.id,
      images: encoded,
      ...renderedWith(bucket, settings, edit.guidanceScale),
      prompt: edit.prompt,
      strength: edit.strength,
      stepsRun,
      timingsMs: {
        queue: started - edit.enqueuedAt,
        inference: inferenceMs,
        ...(vaeEncode === undefined ? {} : { vaeEncode }),
        ...pipelineStages,
        encode: now - encodeStart,
        total: now - edit.enqueuedAt,
      },
      usage: {
        textTokens: tokens(edit.prompt) + tokens(input.negativePrompt),
        latentTokens: input.n * (bucket.width / scale) * (bucket.height / scale),
      },
    };
    edit.emit({ type: "completed", result });
    return result;
  }

  /**
   * The generated image at the answer's size; with an edit region, the input's own pixels
   * everywhere outside it (composited at the answer's size, so they are exact there).
   */
  async #finish(image: RgbImage, edit: PreparedEdit): Promise<RgbImage> {
    const { output } = edit;
    if (edit.region) {
      const region = await editRegion(
        edit.regionSource,
        output.width,
        output.height,
        this.#maxPixels,
      );
      if (region) return compositeKept(image, edit.image, region, this.#maxPixels);
    }
    // No region: the whole image is new, stretched back to the input's shape as it was stretched in.
    return resizeRgb(image, output.width, output.height);
  }

  /** A counted preview: the x₀ estimate decoded at the answer's size, encoded like it. */
  async #decodedPreview(
    textToImage: TextToImagePipeline,
    x0: Float32Array,
    edit: PreparedEdit,
  ): Promise<string> {
    const { input, settings, output } = edit;
    const image = await textToImage.decodePreview(x0.slice(), settings);
    const sized = await resizeRgb(image, output.width, output.height);
    return encodeBase64(sized, {
      outputFormat: input.outputFormat,
      outputCompression: input.outputCompression,
    });
  }
}
