/**
 * Per-step progress for `generate` and `edit`: count the denoising step, decide whether this
 * step sends a preview (counted previews on their planned steps, else the periodic latent ones),
 * and emit progress events in step order even when a preview is slow to encode.
 *
 * @module
 */
import type { RuntimeMetrics } from "../metrics";
import { PREVIEW_EVERY, previewSteps } from "./preview-plan";

/** A step's progress event; `previewIndex` only with a counted preview. */
export interface ProgressEvent {
  type: "progress";
  step: number;
  totalSteps: number;
  preview?: string;
  previewIndex?: number;
}

export interface StepProgressOptions {
  /** The request's `previews`: a count, or periodic latent previews (`true`), or none. */
  previews: boolean | number;
  /** The steps the run will take, to plan counted previews over. */
  plannedSteps: number;
  model: string;
  metrics: RuntimeMetrics | undefined;
  /** A counted preview from the x₀ estimate; absent: counted previews are latent ones too. */
  decoded?: ((x0: Float32Array) => Promise<string>) | undefined;
  /** The free latent-resolution preview. */
  latent: (latents: Float32Array) => Promise<string>;
  emit: (event: ProgressEvent) => void;
}

export interface StepProgress {
  /** The pipeline's `onStep` for the request's first image (its companions move in lockstep). */
  onStep(step: number, totalSteps: number, latents: Float32Array, x0: Float32Array): void;
  /** Resolves once every event so far has been emitted. */
  settled(): Promise<void>;
}

export function stepProgress(options: StepProgressOptions): StepProgress {
  const { previews, metrics, model, decoded, latent, emit } = options;
  const counted = typeof previews === "number";
  const previewAt = counted ? previewSteps(Number(previews), options.plannedSteps) : [];
  let chain = Promise.resolve();
  return {
    onStep(step, totalSteps, latents, x0) {
      metrics?.denoiseSteps.inc({ model });
      const previewIndex = previewAt.indexOf(step);
      const wanted = counted
        ? previewIndex >= 0
        : previews && (step % PREVIEW_EVERY === 0 || step === totalSteps);
      const preview = wanted ? (counted && decoded ? decoded(x0) : latent(latents)) : undefined;
      // Every event goes through one chain, so a slow preview never lets a later step overtake it.
      chain = chain.then(async () =>
        emit({
          type: "progress",
          step,
          totalSteps,
          ...(preview ? { preview: await preview } : {}),
          ...(preview && counted ? { previewIndex } : {}),
        }),
      );
    },
    settled: () => chain,
  };
}
