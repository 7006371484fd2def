/**
 * Where the denoising loop starts and what it keeps, for image-to-image and inpainting jobs
 * (`text-to-image.ts` runs the loop): an `init` job starts at `settings.startStep` from its own
 * latents noised to that step's level (diffusers' img2img `get_timesteps` + `add_noise`), and a
 * job with a mask keeps the unmasked cells on the re-noised original after every step
 * (diffusers' `StableDiffusionInpaintPipeline` for a non-inpainting U-Net).
 *
 * @module
 */
import type { Scheduler } from "../schedulers/scheduler";

/** An image-to-image start: clean latents at the denoiser's scale, and where they may change. */
export interface InitLatents {
  /** Clean latents `[C, h, w]`, already multiplied by the scaling factor (the denoiser's x₀). */
  latents: Float32Array;
  /** Per latent cell (`h·w`), 1 where the image may change and 0 where it is kept; absent: all 1. */
  mask?: Float32Array;
}

/**
 * An image's first latents from its x_T draw `noise`: x_T ~ N(0, σ_init² I) (σ_init = 1 for flow
 * matching: x at σ = 1 is the noise itself), or with `init`, its own latents noised to the
 * first step it runs.
 */
export function startLatents(
  init: InitLatents | undefined,
  noise: Float32Array,
  scheduler: Scheduler,
  startStep: number,
): Float32Array {
  return init
    ? scheduler.addNoise(init.latents, noise, startStep)
    : noise.map((v) => v * scheduler.initNoiseSigma);
}

/**
 * Inpainting: outside the mask the latents become the original noised to the level of the
 * next step (clean after the last), so the sampler never drifts there and the kept region
 * stays the original's at every noise level. `latents` `[C, h, w]` are changed in place;
 * `noise` is the image's x_T draw, `cells` is `h·w`.
 */
export function keepUnmasked(
  latents: Float32Array,
  init: InitLatents | undefined,
  scheduler: Scheduler,
  noise: Float32Array,
  nextStep: number,
  cells: number,
): void {
  if (!init?.mask) return;
  const known = scheduler.addNoise(init.latents, noise, nextStep);
  const { mask } = init;
  for (let i = 0; i < latents.length; i++) {
    const m = mask[i % cells] ?? 1;
    latents[i] = m * (latents[i] ?? 0) + (1 - m) * (known[i] ?? 0);
  }
}
