/**
 * Text-to-image requests from procedure call to encoded images: resolve the model and its
 * defaults, queue for a batch (dynamic batching by model, bucket, steps, sampler and decoder),
 * run the pipeline, encode. Progress reaches the caller through `onEvent`.
 *
 * @module
 */
import { randomInt } from "node:crypto";
import type {
  AspectBucket,
  GeneratedImage,
  GenerateEvent,
  GenerateInput,
  GenerateResult,
} from "@limner/contracts";
import { BatchQueue, type BatchQueueOptions, type QueuedItem } from "../batching/batch-queue";
import type { RuntimeMetrics } from "../metrics";
import type { LoadedModel } from "../models/loaded-model";
import { encodeImage } from "../pipelines/encode-image";
import { latentPreview, type RgbImage } from "../pipelines/latent-image";
import { PipelineInputError } from "../pipelines/pipeline-error";
import type {
  BatchSettings,
  ImageJob,
  StageTimings,
  TextToImagePipeline,
} from "../pipelines/text-to-image";

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

/** Previews are sent at most this often (in steps), keeping progress events cheap. */
const PREVIEW_EVERY = 5;

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
    const hd = input.quality === "hd";
    return {
      input,
      pipeline,
      model,
      bucket,
      settings: {
        width: bucket.width,
        height: bucket.height,
        steps: input.steps ?? (hd ? Math.min(100, defaults.steps * 2) : defaults.steps),
        scheduler: input.scheduler ?? defaults.scheduler,
        decoder:
          input.decoder ??
          (hd && pipeline.decoders.includes("consistency") ? "consistency" : defaults.decoder),
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

    // One job per image; image k of a request uses seed + k, so n=4 equals four n=1 calls.
    const owners: number[] = [];
    const progressChains = batch.map(() => Promise.resolve());
    const jobs: ImageJob[] = batch.flatMap((item, requestIndex) => {
      const { input, seed, guidanceScale, emit } = item.request;
      return Array.from({ length: input.n }, (_, k): ImageJob => {
        owners.push(requestIndex);
        return {
          prompt: input.prompt,
          negativePrompt: input.negativePrompt,
          seed: (seed + k) % 2 ** 32,
          guidanceScale,
          signal: item.signal,
          // Progress follows the request's first image; its companions move in lockstep.
          ...(k === 0
            ? {
                onStep: (step: number, totalSteps: number, latents: Float32Array) => {
                  this.#metrics?.denoiseSteps.inc({ model: input.model });
                  const wantPreview =
                    input.previews && (step % PREVIEW_EVERY === 0 || step === totalSteps);
                  const preview = wantPreview
                    ? this.#preview(latents, settings, pipeline.vaeScaleFactor)
                    : undefined;
                  // Every event goes through the request's chain so previews never reorder steps.
                  progressChains[requestIndex] = (
                    progressChains[requestIndex] ?? Promise.resolve()
                  ).then(async () =>
                    emit({
                      type: "progress",
                      step,
                      totalSteps,
                      ...(preview ? { preview: await preview } : {}),
                    }),
                  );
                },
              }
            : {}),
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
        await progressChains[requestIndex];
        const mine = images.filter((_, j) => owners[j] === requestIndex);
        const failed = mine.find((image): image is Error => image instanceof Error);
        if (failed) return failed;
        const encodeStart = Date.now();
        const { input, seed, bucket, guidanceScale, model, enqueuedAt } = item.request;
        const encoded: GeneratedImage[] = await Promise.all(
          (mine as RgbImage[]).map(async (image, k) => {
            const out = await encodeImage(image, input.outputFormat, input.outputSize);
            return {
              b64: out.bytes.toString("base64"),
              mimeType: out.mimeType,
              width: out.width,
              height: out.height,
              seed: (seed + k) % 2 ** 32,
            };
          }),
        );
        const now = Date.now();
        for (const _ of encoded) {
          this.#metrics?.imageSeconds.observe(
            { model: input.model, bucket: bucket.name, decoder: settings.decoder },
            (now - started) / 1000 / encoded.length,
          );
        }
        const result: GenerateResult = {
          model: model.info.id,
          images: encoded,
          bucket: bucket.name,
          nativeWidth: bucket.width,
          nativeHeight: bucket.height,
          steps: settings.steps,
          guidanceScale,
          decoder: settings.decoder,
          scheduler: settings.scheduler,
          timingsMs: {
            queue: started - enqueuedAt,
            inference: inferenceMs,
            // The batch's stages (shared by every request in it).
            ...stages,
            encode: now - encodeStart,
            total: now - enqueuedAt,
          },
        };
        item.request.emit({ type: "completed", result });
        return result;
      }),
    );
  }

  async #preview(
    latents: Float32Array,
    settings: BatchSettings,
    vaeScaleFactor: number,
  ): Promise<string> {
    const image = latentPreview(
      latents,
      settings.width / vaeScaleFactor,
      settings.height / vaeScaleFactor,
    );
    return (await encodeImage(image, "png")).bytes.toString("base64");
  }
}
