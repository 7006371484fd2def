/**
 * Builds the runtime's services from its configuration: the inference pool (worker threads),
 * the model bundles found on disk (or the ones named), dynamic batching, metrics, and the
 * lifecycle (STARTING → READY/BUSY → DRAINING). Every failure leaves here as a `TRPCError`.
 * It needs no HTTP settings, so evals and benches use it in-process (`loadRuntimeConfig`).
 *
 * @module
 */
import type { RuntimeModel, RuntimeStatus } from "@limner/contracts";
import { closestBucket } from "@limner/contracts";
import { InferencePool } from "./backend/inference-pool";
import type { RuntimeConfig } from "./env";
import { EditService } from "./generation/edit-service";
import { GenerationService, ModelNotFoundError } from "./generation/generation-service";
import { checkImage, toBucketTensor } from "./images/image-input";
import { compBenchScores } from "./judge/compbench-scores";
import { readScene } from "./judge/read-scene";
import { decodeRgb } from "./judge/rgb-image";
import { WorkGate } from "./lifecycle/work-gate";
import { createRuntimeMetrics, type RuntimeMetrics } from "./metrics";
import { loadModel } from "./models/load-model";
import type { LoadedModel } from "./models/loaded-model";
import { discoverModels, readBundles } from "./models/model-discovery";
import { PipelineInputError } from "./pipelines/pipeline-error";
import type { RuntimeServices } from "./services";
import { toTRPCError, withTRPCErrors } from "./trpc-errors";

export interface Runtime {
  readonly services: RuntimeServices;
  readonly metrics: RuntimeMetrics;
  /** Loads every model; the runtime is READY when it resolves. */
  start(): Promise<void>;
  /** DRAINING at once; resolves when accepted work has finished and sessions are released. */
  shutdown(): Promise<void>;
}

export interface CreateRuntimeOptions {
  /**
   * Serve exactly these bundle folders (limner `model.json` or diffusers exports), in this
   * order, instead of discovering `LIMNER_MODELS_DIR`'s sub-folders.
   */
  readonly bundleDirs?: readonly string[];
}

export function createRuntime(
  env: RuntimeConfig,
  version: string,
  log: (line: string) => void = console.log,
  options: CreateRuntimeOptions = {},
): Runtime {
  let status: RuntimeStatus = "STARTING";
  // Every procedure that does work passes this gate (see lifecycle/work-gate.ts).
  const gate = new WorkGate();
  let pool: InferencePool | undefined;
  const models = new Map<string, LoadedModel>();
  const bundles = options.bundleDirs
    ? readBundles(options.bundleDirs)
    : discoverModels(env.LIMNER_MODELS_DIR);
  const metrics = createRuntimeMetrics({
    queueDepth: () => generation.queueDepth + edits.queueDepth,
    active: () => generation.activeBatches + edits.activeBatches,
  });
  const generation = new GenerationService(
    models,
    {
      maxBatch: env.LIMNER_MAX_BATCH,
      maxDelayMs: env.LIMNER_MAX_QUEUE_DELAY_MS,
      maxQueued: env.LIMNER_MAX_QUEUED,
    },
    metrics,
  );
  const edits = new EditService(
    models,
    { maxQueued: env.LIMNER_MAX_QUEUED, maxInputPixels: env.LIMNER_MAX_INPUT_PIXELS },
    metrics,
  );

  const model = (id: string): LoadedModel => {
    const found = models.get(id);
    if (!found) throw new ModelNotFoundError(id, [...models.keys()]);
    return found;
  };
  const pixelsAtBucket = async (image: string, info: RuntimeModel) => {
    const checked = await checkImage(image, { maxPixels: env.LIMNER_MAX_INPUT_PIXELS });
    const bucket = closestBucket(checked.width, checked.height, info.buckets);
    return { bucket, pixels: await toBucketTensor(checked, bucket, env.LIMNER_MAX_INPUT_PIXELS) };
  };
  // One outcome per call for the metrics: a caller that hung up is "cancelled", not an error.
  const counted = async <T>(
    procedure: string,
    signal: AbortSignal | undefined,
    work: () => Promise<T>,
  ): Promise<T> => {
    try {
      const result = await gate.run(work);
      metrics.requests.inc({ procedure, outcome: "ok" });
      return result;
    } catch (error) {
      const translated = signal?.aborted
        ? toTRPCError(new DOMException("The caller went away.", "AbortError"))
        : toTRPCError(error);
      metrics.requests.inc({
        procedure,
        outcome: translated.code === "CLIENT_CLOSED_REQUEST" ? "cancelled" : translated.code,
      });
      throw translated;
    }
  };

  const services: RuntimeServices = {
    version,
    startedAt: Date.now(),
    models: () => bundles.map((b) => b.info).filter((info) => models.has(info.id)),
    status: () =>
      status === "READY" && generation.queueDepth + edits.queueDepth > 0 ? "BUSY" : status,
    queueDepth: () => generation.queueDepth + edits.queueDepth,
    generate: (input, { signal, onEvent }) => {
      const run = () => generation.generate(input, { ...(signal ? { signal } : {}), onEvent });
      // A retry of work already accepted here attaches to it, even while draining.
      if (generation.has(input.requestId)) return withTRPCErrors(run);
      return counted("generate", signal, run);
    },
    edit: (input, { signal, onEvent }) =>
      counted("edit", signal, () => edits.edit(input, { ...(signal ? { signal } : {}), onEvent })),
    caption: (input, { signal }) =>
      counted("caption", signal, async () => {
        const loaded = model(input.model);
        if (!loaded.imageToText)
          throw new PipelineInputError(`Model '${input.model}' has no captioner.`);
        const { bucket, pixels } = await pixelsAtBucket(input.image, loaded.info);
        const caption = await loaded.imageToText.caption(pixels, bucket, {
          detail: input.detail,
          beams: input.beams,
          ...(signal ? { signal } : {}),
        });
        return { model: loaded.info.id, detail: input.detail, caption };
      }),
    upsample: (input, { signal }) =>
      counted("upsample", signal, async () => {
        const loaded = model(input.model);
        if (!loaded.upsampler)
          throw new PipelineInputError(`Model '${input.model}' has no prompt upsampler.`);
        return {
          model: loaded.info.id,
          revisedPrompt: await loaded.upsampler.upsample(input.prompt),
        };
      }),
    score: (input, { signal }) =>
      counted("score", signal, async () => {
        const loaded = model(input.model);
        const maxPixels = env.LIMNER_MAX_INPUT_PIXELS;
        const checked = await checkImage(input.image, { maxPixels });
        // The judge reads the image at its own size; it needs no model, so every model scores.
        const sceneGraph = readScene(await decodeRgb(checked, maxPixels));
        const scores = compBenchScores(input.prompt, sceneGraph);
        let similarity: number | null = null;
        if (loaded.similarity) {
          const bucket = closestBucket(checked.width, checked.height, loaded.info.buckets);
          const pixels = await toBucketTensor(checked, bucket, maxPixels);
          similarity = await loaded.similarity.similarity(
            pixels,
            bucket,
            input.prompt,
            signal ? { signal } : {},
          );
        }
        return { model: loaded.info.id, similarity, sceneGraph, scores };
      }),
  };

  return {
    services,
    metrics,
    async start() {
      pool = await InferencePool.start({
        executionProviders: env.LIMNER_EXECUTION_PROVIDERS,
        ...(env.LIMNER_INTRA_OP_THREADS > 0 ? { intraOpThreads: env.LIMNER_INTRA_OP_THREADS } : {}),
        log,
      });
      for (const bundle of bundles) {
        const started = Date.now();
        models.set(bundle.info.id, await loadModel(pool, bundle));
        log(
          `limner-runtime loaded ${bundle.info.id} (${bundle.info.capabilities.join(", ")}) in ${Date.now() - started} ms`,
        );
      }
      status = "READY";
      gate.open();
    },
    async shutdown() {
      status = "DRAINING";
      // Nothing is disposed until every accepted call — of any procedure — has finished.
      await Promise.all([gate.close(), generation.drain(), edits.drain()]);
      await Promise.all([...models.values()].map((m) => m.dispose()));
      await pool?.close();
    },
  };
}
