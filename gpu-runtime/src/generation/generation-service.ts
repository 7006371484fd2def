/**
 * Text-to-image requests from procedure call to encoded images: resolve the model and its
 * defaults, queue for a batch (dynamic batching by model, bucket, steps, sampler and decoder),
 * run the pipeline, encode. Progress reaches the caller through `onEvent`.
 *
 * @module
 */
import { randomInt } from "node:crypto";
import type { AspectBucket, GenerateEvent, GenerateInput, GenerateResult } from "@limner/contracts";
import { BatchQueue, type BatchQueueOptions, type QueuedItem } from "../batching/batch-queue";
import type { RuntimeMetrics } from "../metrics";
import type { LoadedModel } from "../models/loaded-model";
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
import { qualitySettings } from "./quality-settings";
import { stepProgress } from "./step-progress";

export class ModelNotFoundError extends Error {
  constructor(model: string, available: readonly string[]) {
    super(`Model '${model}' is not loaded here (available: ${available.join(", ") || "none"}).`);
    this.name = "ModelNotFoundError";
  }
}

interface PreparedRequest {
  input: GenerateInput;
  pipeline: TextToImagePipeline;
  model: LoadedModel;
  bucket: AspectBucket;
  settings: BatchSettings;
  guidanceScale: number;
  seed: number;
  enqueuedAt: number;
  emit(event: GenerateEvent): void;
}

/** One generation and everyone waiting for it (see {@link GenerationService.generate}). */
interface SharedGeneration {
  readonly promise: Promise<GenerateResult>;
  readonly listeners: Set<(event: GenerateEvent) => void>;
  /** Aborted when the last attached caller has gone. */
  readonly controller: AbortController;
  callers: number;
  /** Queue position when it was enqueued. */
  readonly position: number;
}

export class GenerationService {
  readonly #models: ReadonlyMap<string, LoadedModel>;
  readonly #queue: BatchQueue<PreparedRequest, GenerateResult>;
  readonly #metrics: RuntimeMetrics | undefined;
  /** Same request id while queued or running → same work: a retry never generates twice. */
  readonly #inFlight = new Map<string, SharedGeneration>();

  constructor(
    models: ReadonlyMap<string, LoadedModel>,
    batching: BatchQueueOptions,
    metrics?: RuntimeMetrics,
  ) {
    this.#models = models;
    this.#metrics = metrics;
    this.#queue = new BatchQueue(batching, (batch) => this.#runBatch(batch));
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

  /** True while a generation with this request id is queued or running here. */
  has(requestId: string): boolean {
    return this.#inFlight.has(requestId);
  }

  /**
   * Generates, or — when a generation with the same request id is already queued or running
   * here (a retry, or a second edge racing the first) — attaches to it: the caller gets the
   * same result and the progress events from now on, and nothing is generated twice. The work
   * is cancelled only when every attached caller has gone.
   */
  generate(
    input: GenerateInput,
    options: { signal?: AbortSignal; onEvent?: (event: GenerateEvent) => void } = {},
  ): Promise<GenerateResult> {
    const shared = this.#inFlight.get(input.requestId) ?? this.#start(input);
    return this.#attach(shared, options.signal, options.onEvent);
  }

  #start(input: GenerateInput): SharedGeneration {
    const listeners = new Set<(event: GenerateEvent) => void>();
    const controller = new AbortController();
    const prepared = this.#prepare(input, (event) => {
      for (const listener of listeners) listener(event);
    });
    const batchKey = [
      input.model,
      prepared.bucket.name,
      prepared.settings.steps,
      prepared.settings.scheduler,
      prepared.settings.decoder,
    ].join("|");
    const position = this.#queue.depth;
    const promise = this.#queue
      .enqueue(prepared, {
        batchKey,
        signal: controller.signal,
        ...(input.deadlineMs ? { deadline: Date.now() + input.deadlineMs } : {}),
      })
      .finally(() => this.#inFlight.delete(input.requestId));
    // Attached callers see the outcome through `#attach`; this one only keeps it from being
    // reported as unhandled when every caller left before it settled.
    promise.catch(() => {});
    const shared: SharedGeneration = { promise, listeners, controller, callers: 0, position };
    this.#inFlight.set(input.requestId, shared);
    return shared;
  }

  #attach(
    shared: SharedGeneration,
    signal: AbortSignal | undefined,
    onEvent: ((event: GenerateEvent) => void) | undefined,
  ): Promise<GenerateResult> {
    shared.callers += 1;
    if (onEvent) {
      shared.listeners.add(onEvent);
      onEvent({ type: "queued", position: shared.position });
    }
    return new Promise<GenerateResult>((resolve, reject) => {
      const leave = () => {
        if (onEvent) shared.listeners.delete(onEvent);
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        leave();
        shared.callers -= 1;
        if (shared.callers === 0) shared.controller.abort(signal?.reason);
        reject(signal?.reason);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      shared.promise.then(
        (result) => {
          leave();
          resolve(result);
        },
        (error: unknown) => {
          leave();
          reject(error);
        },
      );
    });
  }

  #prepare(input: GenerateInput, emit: (event: GenerateEvent) => void): PreparedRequest {
    const model = this.#models.get(input.model);
    if (!model) throw new ModelNotFoundError(input.model, [...this.#models.keys()]);
    const pipeline = model.textToImage;
    if (!pipeline) {
      throw new PipelineInputError(
        `Model '${input.model}' cannot generate images (it offers: ${model.info.capabilities.join(", ")}).`,
      );
    }
    const { buckets } = model.info;
    const bucket =
      input.bucket === undefined ? buckets[0] : buckets.find((b) => b.name === input.bucket);
    if (!bucket) {
      throw new PipelineInputError(
        `Model '${input.model}' has no bucket '${input.bucket}' (it has: ${buckets.map((b) => b.name).join(", ")}).`,
      );
    }
    const defaults = model.generationDefaults;
    const byQuality = qualitySettings(input.quality, defaults, pipeline.decoders);
    return {
      input,
      pipeline,
      model,
      bucket,
      settings: {
        width: bucket.width,
        height: bucket.height,
        steps: input.steps ?? byQuality.steps,
        scheduler: input.scheduler ?? defaults.scheduler,
        decoder: input.decoder ?? byQuality.decoder,
      },
      guidanceScale: input.guidanceScale ?? defaults.guidanceScale,
      seed: input.seed ?? randomInt(0, 2 ** 32 - 1),
      enqueuedAt: Date.now(),
      emit,
    };
  }

  async #runBatch(
    batch: readonly QueuedItem<PreparedRequest>[],
  ): Promise<(GenerateResult | Error)[]> {
    const first = batch[0];
    if (!first) return [];
    const started = Date.now();
    const { pipeline, settings } = first.request;
    this.#metrics?.batchSize.observe({ model: first.request.input.model }, batch.length);

    // One job per image; image k of a request draws from the Philox streams keyed by (seed, k),
    // so image 0 equals an n=1 call and no two (seed, k) pairs share noise.
    const owners: number[] = [];
    const progress = batch.map(({ request: { input, emit } }) =>
      stepProgress({
        previews: input.previews,
        plannedSteps: settings.steps,
        model: input.model,
        metrics: this.#metrics,
        decoded: (x0) => this.#decodedPreview(pipeline, x0, settings, input),
        latent: (latents) => latentPreviewPng(latents, settings, pipeline.vaeScaleFactor),
        emit,
      }),
    );
    const jobs: ImageJob[] = batch.flatMap((item, requestIndex) => {
      const { input, seed, guidanceScale } = item.request;
      return Array.from({ length: input.n }, (_, k): ImageJob => {
        owners.push(requestIndex);
        return {
          prompt: input.prompt,
          negativePrompt: input.negativePrompt,
          seed,
          imageIndex: k,
          guidanceScale,
          signal: item.signal,
          // Progress follows the request's first image; its companions move in lockstep.
          ...(k === 0 ? { onStep: progress[requestIndex]?.onStep } : {}),
        };
      });
    });

    let images: (RgbImage | Error)[];
    const stages: StageTimings = {};
    try {
      images = await pipeline.generate(jobs, settings, stages);
    } catch (error) {
      return batch.map(() => (error instanceof Error ? error : new Error(String(error))));
    }
    const inferenceMs = Date.now() - started;

    return Promise.all(
      batch.map(async (item, requestIndex) => {
        await progress[requestIndex]?.settled();
        const mine = images.filter((_, j) => owners[j] === requestIndex);
        const failed = mine.find((image): image is Error => image instanceof Error);
        if (failed) return failed;
        const encodeStart = Date.now();
        const { input, seed, bucket, guidanceScale, model, enqueuedAt } = item.request;
        const encoded = await encodeResults(mine as RgbImage[], input, seed);
        const now = Date.now();
        observeImageSeconds(
          this.#metrics,
          { model: input.model, bucket: bucket.name, decoder: settings.decoder },
          now - started,
          encoded.length,
        );
        const result: GenerateResult = {
          model: model.info.id,
          images: encoded,
          ...renderedWith(bucket, settings, guidanceScale),
          timingsMs: {
            queue: started - enqueuedAt,
            inference: inferenceMs,
            // The batch's stages (shared by every request in it).
            ...stages,
            encode: now - encodeStart,
            total: now - enqueuedAt,
          },
          usage: {
            textTokens:
              pipeline.countTokens(input.prompt) +
              (input.negativePrompt === "" ? 0 : pipeline.countTokens(input.negativePrompt)),
            latentTokens:
              input.n *
              (bucket.width / pipeline.vaeScaleFactor) *
              (bucket.height / pipeline.vaeScaleFactor),
          },
        };
        item.request.emit({ type: "completed", result });
        return result;
      }),
    );
  }

  /**
   * A counted preview: the VAE decode of the x₀ estimate at the bucket's size, encoded like the
   * final image (format, compression, output size), so it shows the image as it is forming.
   */
  async #decodedPreview(
    pipeline: TextToImagePipeline,
    x0: Float32Array,
    settings: BatchSettings,
    input: GenerateInput,
  ): Promise<string> {
    const image = await pipeline.decodePreview(x0.slice(), settings);
    return encodeBase64(image, input);
  }
}
