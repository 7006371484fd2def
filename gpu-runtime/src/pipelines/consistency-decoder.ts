/**
 * Latents → pixels with a consistency-distilled, pixel-space diffusion decoder in two steps, as
 * DALL-E 3 decodes ("Improving Image Generation with Better Captions", appendix on the
 * consistency decoder). The network is the consistency function f(x_t, σ, z) of Song et al.
 * 2023 ("Consistency Models"), conditioned on the VAE latents z: it maps a noisy image at noise
 * level σ straight to a clean one. Multistep consistency sampling (Song et al., Algorithm 1)
 * with the manifest's two levels σ₀ > σ₁:
 *
 *   x = σ₀·ε;  x̂ = f(x, σ₀, z);  x = x̂ + √(σ₁² − σ_min²)·ε′;  x̂ = f(x, σ₁, z)
 *
 * ε and ε′ come from the image's own noise stream, so a decode is the same alone or batched.
 *
 * @module
 */
import type { InferencePool } from "../backend/inference-pool";
import { float32, int64, type LoadedSession, type TensorData } from "../backend/tensor-data";
import type { SeededRandom } from "../random/seeded-random";

/** The decoder's tensor names, by role (from `model.json`). */
export interface ConsistencyDecoderNames {
  /** Noisy image x_t, float32 [B, 3, H, W]. */
  readonly sample: string;
  /** σ (or the manifest's timestep for it), [B]. */
  readonly timestep: string;
  /** VAE latents z / scaling_factor, float32 [B, C, h, w]. */
  readonly latents: string;
  /** Predicted clean image in [-1, 1], float32 [B, 3, H, W]. */
  readonly output: string;
}

export interface ConsistencySampling {
  /** σ₀ > σ₁: the noise levels of the two steps. */
  readonly sigmas: readonly [number, number];
  /** The σ at which f is the identity (ε in Song et al.); the re-noising uses √(σ₁² − σ_min²). */
  readonly sigmaMin: number;
  /**
   * What the network's timestep input receives at each step; absent → σ itself. For networks
   * conditioned on a discrete training index (OpenAI's decoder uses 1008 and 512).
   */
  readonly timesteps?: readonly [number, number];
}

export interface ConsistencyDecoderOptions {
  readonly pool: InferencePool;
  readonly session: LoadedSession;
  readonly names: ConsistencyDecoderNames;
  readonly sampling: ConsistencySampling;
  /** Pixels per latent cell (8). */
  readonly scaleFactor: number;
}

/** One image to decode: latents already divided by the VAE scaling factor, and its noise. */
export interface ConsistencyRow {
  readonly latents: Float32Array;
  readonly random: SeededRandom;
}

interface DecodeShape {
  readonly latentChannels: number;
  readonly w: number;
  readonly h: number;
  readonly width: number;
  readonly height: number;
}

export class ConsistencyDecoder {
  readonly #o: ConsistencyDecoderOptions;

  constructor(options: ConsistencyDecoderOptions) {
    const [s0, s1] = options.sampling.sigmas;
    if (!(s0 > s1 && s1 >= options.sampling.sigmaMin && options.sampling.sigmaMin >= 0)) {
      throw new RangeError(
        `consistency sampling needs σ₀ > σ₁ ≥ σ_min ≥ 0, got σ = [${s0}, ${s1}], σ_min = ${options.sampling.sigmaMin}`,
      );
    }
    this.#o = options;
  }

  /**
   * Decodes `rows` (each `[C, h, w]` latents) in one batch per step; returns planar
   * `[B, 3, H, W]` pixels in [-1, 1], H = h × scaleFactor.
   */
  async decode(
    rows: readonly ConsistencyRow[],
    latentChannels: number,
    w: number,
    h: number,
    signal?: AbortSignal,
  ): Promise<Float32Array> {
    const { sigmas, sigmaMin } = this.#o.sampling;
    const [sigma0, sigma1] = sigmas;
    const width = w * this.#o.scaleFactor;
    const height = h * this.#o.scaleFactor;
    const plane = 3 * width * height;
    const shape = { latentChannels, w, h, width, height };

    // 1. x = σ₀·ε (Song et al. Algorithm 1, line 1).
    const x = new Float32Array(rows.length * plane);
    rows.forEach((row, b) => {
      const eps = row.random.randn(plane);
      for (let i = 0; i < plane; i++) x[b * plane + i] = sigma0 * (eps[i] ?? 0);
    });
    // 2. x̂ = f(x, σ₀, z).
    const first = await this.#run(rows, x, 0, shape, signal);
    // 3. x = x̂ + √(σ₁² − σ_min²)·ε′ (line 5): noise back up to σ₁ from the clean estimate.
    const renoise = Math.sqrt(sigma1 * sigma1 - sigmaMin * sigmaMin);
    const x1 = new Float32Array(rows.length * plane);
    rows.forEach((row, b) => {
      const eps = row.random.randn(plane);
      for (let i = 0; i < plane; i++)
        x1[b * plane + i] = (first[b * plane + i] ?? 0) + renoise * (eps[i] ?? 0);
    });
    // 4. x̂ = f(x, σ₁, z).
    return this.#run(rows, x1, 1, shape, signal);
  }

  async #run(
    rows: readonly ConsistencyRow[],
    x: Float32Array,
    step: 0 | 1,
    { latentChannels, w, h, width, height }: DecodeShape,
    signal: AbortSignal | undefined,
  ): Promise<Float32Array> {
    const { pool, session, names, sampling } = this.#o;
    const latentPlane = latentChannels * w * h;
    // Fresh buffers per run: the pool detaches what it is given.
    const latents = new Float32Array(rows.length * latentPlane);
    rows.forEach((row, b) => {
      latents.set(row.latents.subarray(0, latentPlane), b * latentPlane);
    });
    const value = sampling.timesteps?.[step] ?? sampling.sigmas[step];
    const timestepType = session.info.inputs.find((i) => i.name === names.timestep)?.type;
    if (timestepType === undefined) {
      throw new Error(`The consistency decoder has no input '${names.timestep}'.`);
    }
    const timestep: TensorData =
      timestepType === "int64"
        ? int64([rows.length], new Array(rows.length).fill(Math.round(value)))
        : float32([rows.length], new Array(rows.length).fill(value));
    const expected = x.length; // `x` is detached once sent
    const out = await pool.run(
      session.key,
      {
        [names.sample]: { type: "float32", dims: [rows.length, 3, height, width], data: x },
        [names.timestep]: timestep,
        [names.latents]: float32([rows.length, latentChannels, h, w], latents),
      },
      { outputNames: [names.output], ...(signal ? { signal } : {}) },
    );
    const image = out[names.output];
    if (image?.type !== "float32" || image.data.length !== expected) {
      throw new Error(
        `The consistency decoder returned no float32 [${rows.length}, 3, ${height}, ${width}] '${names.output}'.`,
      );
    }
    return image.data;
  }
}
