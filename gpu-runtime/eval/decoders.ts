/**
 * The decoders compared on held-out ground-truth renders: VAE-encode each render, then decode
 * the latents with the VAE decoder (1 evaluation), the consistency decoder (2,
 * docs/model-manifest.md) and the consistency decoder's teacher, a diffusion decoder sampled
 * deterministically over Karras σs (Karras et al. 2022) by the runtime's own
 * `EulerDiscreteScheduler`; PSNR against the render for each.
 *
 * @module
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { SeededRandom } from "../src/random/seeded-random";
import { EulerDiscreteScheduler } from "../src/schedulers";
import { openDecoderSessions, readPlanar, type SessionOptions } from "./decoder-sessions";
import { psnr } from "./psnr";

export interface DecoderMethod {
  psnrDb: number;
  nfe: number;
  msPerImage: number;
}
export interface DecoderResults {
  images: number;
  methods: Partial<Record<"vae" | "consistency" | "teacher", DecoderMethod>>;
  perImage: { file: string; width: number; height: number; psnrDb: Record<string, number> }[];
}

export interface DecoderOptions extends SessionOptions {
  gtDir: string;
  teacherSteps?: number;
  limit?: number;
  /** Ground truth j's decoder noise is that of image 0 of seed `seed + j` (`SeededRandom(seed + j).fork(2)`). */
  seed?: number;
}

/**
 * Deterministic Euler over Karras σs from σ_max down to 0 for an EDM denoiser D(x, σ) (the
 * preconditioning is inside the graph, so the model takes x and σ as they are): N evaluations,
 * x ← x + (σ_{i+1} − σ_i)·(x − D(x, σ_i))/σ_i (Karras et al. 2022, Algorithm 1 without the
 * 2nd-order correction) — EulerDiscreteScheduler with `predictionType: "sample"`.
 */
export async function sampleEulerKarras(
  denoise: (x: Float32Array, sigma: number) => Promise<Float32Array>,
  noise: Float32Array,
  steps: number,
  { sigmaMin = 0.002, sigmaMax = 80 } = {},
): Promise<Float32Array> {
  const scheduler = new EulerDiscreteScheduler({
    useKarrasSigmas: true,
    sigmaMin,
    sigmaMax,
    predictionType: "sample",
  });
  scheduler.setTimesteps(steps);
  let x: Float32Array = noise.map((e) => e * scheduler.initNoiseSigma);
  for (const [i, t] of scheduler.timesteps.entries()) {
    const denoised = await denoise(x.slice(), scheduler.sigmas[i] ?? 0);
    x = scheduler.step(denoised, t, x).prevSample;
  }
  return x;
}

export async function evaluateDecoders(options: DecoderOptions): Promise<DecoderResults> {
  const log = options.log ?? (() => {});
  const sessions = await openDecoderSessions(options);
  const teacherSteps = options.teacherSteps ?? 40;
  try {
    const files = readdirSync(options.gtDir)
      .filter((f) => f.endsWith(".png"))
      .sort()
      .slice(0, options.limit);
    const times: Record<string, number[]> = {};
    const perImage: DecoderResults["perImage"] = [];
    const timed = async (method: string, work: () => Promise<Float32Array>) => {
      const t = performance.now();
      const out = await work();
      times[method] = [...(times[method] ?? []), performance.now() - t];
      return out;
    };
    for (const [j, file] of files.entries()) {
      const image = await readPlanar(join(options.gtDir, file));
      const { width, height } = image;
      const latents = await sessions.encode(image);
      const decoded: Record<string, Float32Array> = {};
      decoded.vae = await timed("vae", () => sessions.decodeVae(latents, image));
      const seed = ((options.seed ?? 0) + j) % 2 ** 32;
      const consistency = sessions.consistency;
      if (consistency) {
        const [w, h] = [width / sessions.factor, height / sessions.factor];
        const rows = [{ latents: latents.slice(), random: new SeededRandom(seed).fork(2) }];
        decoded.consistency = await timed("consistency", () =>
          consistency.decode(rows, sessions.channels, w, h),
        );
      }
      if (sessions.teacher) {
        const noise = new SeededRandom(seed).fork(2).randn(image.pixels.length);
        const denoise = sessions.teacher(latents, image);
        decoded.teacher = await timed("teacher", () =>
          sampleEulerKarras(denoise, Float32Array.from(noise), teacherSteps),
        );
      }
      const scores = Object.fromEntries(
        Object.entries(decoded).map(([m, img]) => [m, psnr(img, image.pixels)]),
      );
      perImage.push({ file, width, height, psnrDb: scores });
      log(
        `[decoders] ${j + 1}/${files.length} ${file}: ${Object.entries(scores)
          .map(([m, p]) => `${m} ${p.toFixed(2)} dB`)
          .join(", ")}`,
      );
    }
    const nfe: Record<string, number> = { vae: 1, consistency: 2, teacher: teacherSteps };
    const average = (values: readonly number[]) =>
      values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
    const methods: DecoderResults["methods"] = {};
    for (const m of ["vae", "consistency", "teacher"] as const) {
      const ms = times[m];
      if (!ms) continue;
      methods[m] = {
        psnrDb: average(perImage.map((p) => p.psnrDb[m] ?? Number.NaN)),
        nfe: nfe[m] ?? 0,
        msPerImage: average(ms),
      };
    }
    return { images: files.length, methods, perImage };
  } finally {
    await sessions.close();
  }
}
