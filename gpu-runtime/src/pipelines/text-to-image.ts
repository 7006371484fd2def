/**
 * Text-to-image with classifier-free guidance (Ho & Salimans 2022) over a latent diffusion
 * model: tokenize → text encoder → denoiser over the scheduler's steps at the bucket's latent
 * shape → decoder → RGB. Works for any model exposing the Optimum/diffusers tensor contract;
 * limner bundles map their own tensor names onto the same roles (docs/model-manifest.md) and
 * may add the 2-step consistency decoder (`consistency-decoder.ts`).
 *
 * Image-to-image (`image-to-image.ts`) runs the same loop from a job's `init` latents, masked
 * or not (`init-latents.ts`).
 *
 * Batching: images with the same bucket, step count, scheduler and decoder share every
 * network call. Each image keeps its own latents, scheduler state and noise stream (keyed by
 * its seed and index in its request), so an image comes out the same whether it ran alone or in
 * a batch.
 *
 * @module
 */
import type { Decoder, SchedulerName } from "@limner/contracts";
import type { InferencePool } from "../backend/inference-pool";
import {
  float32,
  int32,
  int64,
  type LoadedSession,
  type SessionInfo,
  type TensorData,
} from "../backend/tensor-data";
import { SeededRandom } from "../random/seeded-random";
import type { Scheduler } from "../schedulers/scheduler";
import type { TextTokenizer } from "../tokenizers/load-tokenizer";
import type { ConsistencyDecoder } from "./consistency-decoder";
import { type InitLatents, keepUnmasked, startLatents } from "./init-latents";
import { planarToRgb, type RgbImage } from "./latent-image";
import { PipelineInputError } from "./pipeline-error";

/** Tensor names as Optimum exports Stable Diffusion; other exports map theirs onto these roles. */
export interface TextToImageTensorNames {
  textEncoder: { inputIds: string; hiddenStates: string };
  unet: { sample: string; timestep: string; encoderHiddenStates: string; output: string };
  vaeDecoder: { latents: string; output: string };
}

export const OPTIMUM_TENSOR_NAMES: TextToImageTensorNames = Object.freeze({
  textEncoder: { inputIds: "input_ids", hiddenStates: "last_hidden_state" },
  unet: {
    sample: "sample",
    timestep: "timestep",
    encoderHiddenStates: "encoder_hidden_states",
    output: "out_sample",
  },
  vaeDecoder: { latents: "latent_sample", output: "sample" },
});

export interface TextToImageComponents {
  pool: InferencePool;
  sessions: { textEncoder: LoadedSession; unet: LoadedSession; vaeDecoder: LoadedSession };
  names: TextToImageTensorNames;
  tokenizer: TextTokenizer;
  /** Prompt length the text encoder was trained with (77 for CLIP). */
  maxTokens: number;
  latentChannels: number;
  /** Pixels per latent cell (8 for SD-style VAEs). */
  vaeScaleFactor: number;
  /** The VAE's latent scaling factor (0.18215 for SD 1.x). */
  scalingFactor: number;
  createScheduler(name: SchedulerName): Scheduler;
  /** DALL-E 3's 2-step decoder; without it only `decoder: "vae"` is served. */
  consistencyDecoder?: ConsistencyDecoder;
}

export interface ImageJob {
  prompt: string;
  negativePrompt: string;
  seed: number;
  /**
   * The image's index in its request (default 0). With `seed` it keys the image's Philox noise
   * streams, so image k of seed s never shares noise with image 0 of seed s + k.
   */
  imageIndex?: number;
  guidanceScale: number;
  /** Aborting drops the image from the batch at the next step boundary. */
  signal: AbortSignal;
  /**
   * Called after every denoising step with this image's current latents `[C, h, w]` and the
   * scheduler's estimate of the clean latents x₀ at that step (for previews).
   */
  onStep?(step: number, totalSteps: number, latents: Float32Array, x0: Float32Array): void;
  /** Image-to-image: start from these latents instead of pure noise. */
  init?: InitLatents;
}

/** Milliseconds per stage of one `generate` call, filled in as the stages finish. */
export interface StageTimings {
  text?: number;
  denoise?: number;
  decode?: number;
}

export interface BatchSettings {
  width: number;
  height: number;
  steps: number;
  scheduler: SchedulerName;
  decoder: Decoder;
  /** Schedule steps skipped by image-to-image jobs (`steps − ⌊steps·strength⌋`); 0 otherwise. */
  startStep?: number;
}

interface ActiveImage {
  index: number;
  job: ImageJob;
  latents: Float32Array;
  /** The image's x_T draw, kept to re-noise an inpainting job's original at every step. */
  noise: Float32Array;
  scheduler: Scheduler;
  random: SeededRandom;
  negative: Float32Array;
  positive: Float32Array;
}

export class TextToImagePipeline {
  readonly #c: TextToImageComponents;

  constructor(components: TextToImageComponents) {
    this.#c = components;
  }

  get latentChannels(): number {
    return this.#c.latentChannels;
  }

  get vaeScaleFactor(): number {
    return this.#c.vaeScaleFactor;
  }

  /** Decoder latents × this = the denoiser's latents (image-to-image encodes into them). */
  get scalingFactor(): number {
    return this.#c.scalingFactor;
  }

  /** The decoders this model can finish an image with, so callers can refuse others early. */
  get decoders(): readonly Decoder[] {
    return this.#c.consistencyDecoder ? ["vae", "consistency"] : ["vae"];
  }

  /**
   * Generates one image per job; a slot holds an Error when that job was aborted, so one
   * cancelled request never fails its batch companions. `timings`, when given, receives the
   * milliseconds spent in each stage (`text`, `denoise`, `decode`) for the whole batch.
   */
  async generate(
    jobs: readonly ImageJob[],
    settings: BatchSettings,
    timings?: StageTimings,
  ): Promise<(RgbImage | Error)[]> {
    const { latentChannels, vaeScaleFactor } = this.#c;
    if (!this.decoders.includes(settings.decoder)) {
      throw new PipelineInputError(
        `This model has no '${settings.decoder}' decoder; use ${this.decoders.map((d) => `'${d}'`).join(" or ")}.`,
      );
    }
    if (settings.width % vaeScaleFactor !== 0 || settings.height % vaeScaleFactor !== 0) {
      throw new PipelineInputError(`Image sizes must be multiples of ${vaeScaleFactor}.`);
    }
    const h = settings.height / vaeScaleFactor;
    const w = settings.width / vaeScaleFactor;
    const results: (RgbImage | Error)[] = jobs.map(() => new Error("not generated"));
    // Before any network call, so a sampler the model cannot use costs nothing.
    const prepared = jobs.map((job) => ({ job, scheduler: this.#scheduler(settings.scheduler) }));

    // 1. Text embeddings for every negative and positive prompt in one encoder call.
    let stageStart = performance.now();
    const { states, statesPerPrompt, contextDims } = await this.#encodeText(jobs);
    if (timings) timings.text = performance.now() - stageStart;
    stageStart = performance.now();

    // 2. Initial latents x_T ~ N(0, σ_init² I), one noise stream per image seed (σ_init = 1 for
    // flow matching: x at σ = 1 is the noise itself).
    const startStep = settings.startStep ?? 0;
    let active: ActiveImage[] = prepared.map(({ job, scheduler }, index) => {
      scheduler.setTimesteps(settings.steps);
      const noise = noiseStream(job).randn(latentChannels * h * w);
      return {
        index,
        job,
        latents: startLatents(job.init, noise, scheduler, startStep),
        noise,
        scheduler,
        // Noise the sampler itself injects (Euler churn, DDIM η) comes from a sibling stream.
        random: noiseStream(job).fork(1),
        negative: states.subarray(index * statesPerPrompt, (index + 1) * statesPerPrompt),
        positive: states.subarray(
          (jobs.length + index) * statesPerPrompt,
          (jobs.length + index + 1) * statesPerPrompt,
        ),
      };
    });

    const timesteps = (active[0]?.scheduler.timesteps ?? []).slice(startStep);
    for (const [step, t] of timesteps.entries()) {
      active = this.#dropAborted(active, results);
      if (active.length === 0) return results;
      // 3. ε = ε_uncond + s (ε_cond − ε_uncond) (CFG, eq. 6 of Ho & Salimans); the unconditional
      // half is skipped when no image in the batch uses guidance. A flow model's velocity is
      // guided the same way (SD3 and Flux pipelines combine v like ε).
      const guided = active.some((a) => a.job.guidanceScale > 1);
      const noise = await this.#denoise(active, t, guided, w, h, contextDims);
      const plane = latentChannels * h * w;
      for (const [row, image] of active.entries()) {
        const cond = noise.subarray(
          (guided ? active.length + row : row) * plane,
          (guided ? active.length + row + 1 : row + 1) * plane,
        );
        let eps: Float32Array = cond;
        if (guided && image.job.guidanceScale !== 1) {
          const uncond = noise.subarray(row * plane, (row + 1) * plane);
          const s = image.job.guidanceScale;
          eps = new Float32Array(plane);
          for (let i = 0; i < plane; i++)
            eps[i] = (uncond[i] ?? 0) + s * ((cond[i] ?? 0) - (uncond[i] ?? 0));
        }
        const out = image.scheduler.step(eps, t, image.latents, image.random);
        image.latents = out.prevSample;
        const nextStep = startStep + step + 1;
        keepUnmasked(image.latents, image.job.init, image.scheduler, image.noise, nextStep, w * h);
        image.job.onStep?.(step + 1, timesteps.length, image.latents, out.predOriginalSample);
      }
    }

    if (timings) timings.denoise = performance.now() - stageStart;

    // 4. Decode z / scaling_factor to pixels (diffusers: vae.decode(latents / scaling_factor)).
    active = this.#dropAborted(active, results);
    if (active.length === 0) return results;
    stageStart = performance.now();
    const pixels =
      settings.decoder === "consistency"
        ? await this.#decodeConsistency(active, w, h)
        : await this.#decode(active, w, h);
    if (timings) timings.decode = performance.now() - stageStart;
    const imagePlane = 3 * settings.width * settings.height;
    for (const [row, image] of active.entries()) {
      results[image.index] = planarToRgb(pixels, row * imagePlane, settings.width, settings.height);
    }
    return results;
  }

  /**
   * One image from scaled latents `[C, h, w]` at `settings`' size through the VAE alone: the
   * cheap decode used for previews of the x₀ estimate (the consistency decoder costs more
   * steps and would draw noise from the image's stream).
   */
  async decodePreview(latents: Float32Array, settings: BatchSettings): Promise<RgbImage> {
    const { vaeScaleFactor } = this.#c;
    const w = settings.width / vaeScaleFactor;
    const h = settings.height / vaeScaleFactor;
    const pixels = await this.#decodeLatents(this.#unscaled(latents), 1, w, h);
    return planarToRgb(pixels, 0, settings.width, settings.height);
  }

  /**
   * How many tokens the text encoder reads for `text`: the tokenizer's ids after truncation to
   * the encoder's length, padding excluded (what a request's `usage` reports).
   */
  countTokens(text: string): number {
    const { tokenizer, maxTokens } = this.#c;
    const { attentionMask } = tokenizer.encode(text, { maxLength: maxTokens, truncation: true });
    return attentionMask.reduce((sum, bit) => sum + bit, 0);
  }

  /**
   * The request's sampler on this model's noise schedule. The model's default was built at load,
   * so a failure here is a sampler this model cannot use (DDIM on a flow model): bad input.
   */
  #scheduler(name: SchedulerName): Scheduler {
    try {
      return this.#c.createScheduler(name);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new PipelineInputError(`This model cannot sample with '${name}': ${reason}`);
    }
  }

  #dropAborted(active: ActiveImage[], results: (RgbImage | Error)[]): ActiveImage[] {
    return active.filter((image) => {
      if (!image.job.signal.aborted) return true;
      const reason: unknown = image.job.signal.reason;
      results[image.index] =
        reason instanceof Error ? reason : new Error("The request was cancelled.");
      return false;
    });
  }

  async #encodeText(jobs: readonly ImageJob[]) {
    const { tokenizer, maxTokens, sessions, names } = this.#c;
    const prompts = [...jobs.map((j) => j.negativePrompt), ...jobs.map((j) => j.prompt)];
    const ids = prompts.flatMap(
      (text) =>
        tokenizer.encode(text, { maxLength: maxTokens, padding: "max_length", truncation: true })
          .ids,
    );
    const idsType = inputType(sessions.textEncoder.info, names.textEncoder.inputIds);
    const dims = [prompts.length, maxTokens];
    const inputIds = idsType === "int64" ? int64(dims, ids) : int32(dims, ids);
    const out = await this.#c.pool.run(
      sessions.textEncoder.key,
      { [names.textEncoder.inputIds]: inputIds },
      {
        outputNames: [names.textEncoder.hiddenStates],
      },
    );
    const states = floatOutput(out, names.textEncoder.hiddenStates);
    const [, sequence = 0, hidden = 0] = states.dims;
    return {
      states: states.data,
      statesPerPrompt: sequence * hidden,
      contextDims: [sequence, hidden] as const,
    };
  }

  async #denoise(
    active: ActiveImage[],
    t: number,
    guided: boolean,
    w: number,
    h: number,
    [sequence, hidden]: readonly [number, number],
  ): Promise<Float32Array> {
    const { sessions, names, latentChannels } = this.#c;
    const rows = guided ? [...active, ...active] : active;
    const plane = latentChannels * h * w;
    const sample = new Float32Array(rows.length * plane);
    const perPrompt = sequence * hidden;
    const context = new Float32Array(rows.length * perPrompt);
    rows.forEach((image, row) => {
      sample.set(image.scheduler.scaleModelInput(image.latents, t), row * plane);
      const unconditional = guided && row < active.length;
      context.set(unconditional ? image.negative : image.positive, row * perPrompt);
    });
    const info = sessions.unet.info;
    const timestepShape = info.inputs.find((i) => i.name === names.unet.timestep)?.shape ?? [];
    // `t` is the scheduler's timestep as diffusers feeds it: a training-step index for diffusion
    // schedulers, σ·numTrainTimesteps (fractional) for flow matching, as SD3's transformer expects.
    // Exports declare timestep as [1] or [batch]; feed what the model declares (diffusers does).
    const timestepCount = timestepShape[0] === 1 ? 1 : rows.length;
    const timestep =
      inputType(info, names.unet.timestep) === "int64"
        ? int64([timestepCount], new Array(timestepCount).fill(Math.round(t)))
        : float32([timestepCount], new Array(timestepCount).fill(t));
    const out = await this.#c.pool.run(
      sessions.unet.key,
      {
        [names.unet.sample]: float32([rows.length, latentChannels, h, w], sample),
        [names.unet.timestep]: timestep,
        [names.unet.encoderHiddenStates]: float32([rows.length, sequence, hidden], context),
      },
      { outputNames: [names.unet.output] },
    );
    return floatOutput(out, names.unet.output).data;
  }

  async #decode(active: ActiveImage[], w: number, h: number): Promise<Float32Array> {
    const plane = this.#c.latentChannels * h * w;
    const latents = new Float32Array(active.length * plane);
    active.forEach((image, row) => {
      latents.set(this.#unscaled(image.latents), row * plane);
    });
    return this.#decodeLatents(latents, active.length, w, h);
  }

  /** VAE decode of `rows` unscaled latents `[rows, C, h, w]` to planar pixels in [-1, 1]. */
  async #decodeLatents(
    latents: Float32Array,
    rows: number,
    w: number,
    h: number,
  ): Promise<Float32Array> {
    const { sessions, names, latentChannels } = this.#c;
    const out = await this.#c.pool.run(
      sessions.vaeDecoder.key,
      { [names.vaeDecoder.latents]: float32([rows, latentChannels, h, w], latents) },
      { outputNames: [names.vaeDecoder.output] },
    );
    return floatOutput(out, names.vaeDecoder.output).data;
  }

  /** The consistency decoder is conditioned on the same z / scaling_factor the VAE decodes. */
  async #decodeConsistency(active: ActiveImage[], w: number, h: number): Promise<Float32Array> {
    const decoder = this.#c.consistencyDecoder;
    if (!decoder) throw new PipelineInputError("This model has no 'consistency' decoder.");
    const rows = active.map((image) => ({
      latents: this.#unscaled(image.latents),
      // Fork 2 of the image's seed: the root stream gave x_T, fork 1 the sampler's own noise.
      random: noiseStream(image.job).fork(2),
    }));
    return decoder.decode(rows, this.#c.latentChannels, w, h);
  }

  #unscaled(latents: Float32Array): Float32Array {
    const { scalingFactor } = this.#c;
    return latents.map((v) => v / scalingFactor);
  }
}

/** The image's root noise stream: Philox keyed by (seed, index in the request). */
function noiseStream(job: ImageJob): SeededRandom {
  return SeededRandom.forRequest(job.seed, job.imageIndex ?? 0);
}

function inputType(info: SessionInfo, name: string): string {
  const input = info.inputs.find((i) => i.name === name);
  if (!input)
    throw new Error(
      `The model has no input '${name}' (it has ${info.inputs.map((i) => i.name).join(", ")}).`,
    );
  return input.type;
}

function floatOutput(
  outputs: Record<string, TensorData>,
  name: string,
): Extract<TensorData, { type: "float32" }> {
  const tensor = outputs[name];
  if (tensor?.type !== "float32")
    throw new Error(`The model returned no float32 output '${name}'.`);
  return tensor;
}
