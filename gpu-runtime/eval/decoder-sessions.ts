/**
 * The ONNX sessions the ground-truth comparisons need, beside the served bundle: a VAE encoder
 * (a training artefact, not in the bundle), the bundle's VAE decoder and consistency decoder as
 * `model.json` describes them, and optionally the consistency decoder's teacher. One inference
 * pool holds them; each tensor name is checked against the file when it loads.
 *
 * @module
 */
import { join } from "node:path";
import sharp from "sharp";
import { InferencePool, type TensorData } from "../src/backend/inference-pool";
import { float32 } from "../src/backend/tensor-data";
import { readBundleManifest } from "../src/models/bundle-manifest";
import { withBundleSessions } from "../src/models/bundle-sessions";
import { ConsistencyDecoder } from "../src/pipelines/consistency-decoder";

/** The teacher's tensors: an EDM denoiser D(x, σ, z) (preconditioning inside the graph). */
export const TEACHER_NAMES = {
  sample: "sample",
  sigma: "sigma",
  latents: "latents",
  output: "denoised",
};
/** The VAE encoder's tensors: image [B,3,H,W] in [-1,1] → raw latents (z / scaling_factor). */
export const ENCODER_NAMES = { image: "image", latents: "latents" };

export interface SessionOptions {
  bundleDir: string;
  vaeEncoder: string;
  teacher?: string;
  providers?: readonly string[];
  threads?: number;
  log?: (line: string) => void;
}

/** A planar [3, H, W] image in [-1, 1] and its size. */
export interface PlanarImage {
  pixels: Float32Array;
  width: number;
  height: number;
}

export interface DecoderSessions {
  /** The VAE's downsampling factor and latent channels. */
  readonly factor: number;
  readonly channels: number;
  encode(image: PlanarImage): Promise<Float32Array>;
  decodeVae(latents: Float32Array, image: PlanarImage): Promise<Float32Array>;
  /** Present when the bundle has a consistency decoder. */
  readonly consistency: ConsistencyDecoder | undefined;
  /** Present when a teacher was given: its denoiser D(x, σ) for these latents. */
  readonly teacher:
    | ((
        latents: Float32Array,
        image: PlanarImage,
      ) => (x: Float32Array, sigma: number) => Promise<Float32Array>)
    | undefined;
  close(): Promise<void>;
}

function output(out: Record<string, TensorData>, name: string): Float32Array {
  const tensor = out[name];
  if (tensor?.type !== "float32") throw new Error(`no float32 output '${name}'`);
  return tensor.data;
}

export async function readPlanar(path: string): Promise<PlanarImage> {
  const { data, info } = await sharp(path)
    .removeAlpha()
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = info.width * info.height;
  const pixels = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) pixels[c * plane + i] = (data[3 * i + c] ?? 0) / 127.5 - 1;
  }
  return { pixels, width: info.width, height: info.height };
}

export async function openDecoderSessions(options: SessionOptions): Promise<DecoderSessions> {
  const { vae_decoder: vae, consistency_decoder: cd } = readBundleManifest(
    options.bundleDir,
  ).components;
  if (!vae) throw new Error(`${options.bundleDir} has no vae_decoder`);
  const pool = await InferencePool.start({
    workers: 1,
    executionProviders: options.providers ?? ["cuda", "cpu"],
    ...(options.threads ? { intraOpThreads: options.threads } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const E = ENCODER_NAMES;
  const T = TEACHER_NAMES;
  try {
    // The runtime's one session loader: tensor names checked, everything released on failure.
    const { value: loaded, dispose } = await withBundleSessions(pool, "eval", async (sessions) => {
      const encoder = await sessions.load("vae_encoder", options.vaeEncoder, {
        inputs: [E.image],
        outputs: [E.latents],
      });
      const decoder = await sessions.load("vae_decoder", join(options.bundleDir, vae.file), {
        inputs: [vae.inputs.latents.name],
        outputs: [vae.outputs.image.name],
      });
      let consistency: ConsistencyDecoder | undefined;
      if (cd) {
        const names = {
          sample: cd.inputs.sample.name,
          timestep: cd.inputs.timestep.name,
          latents: cd.inputs.latents.name,
          output: cd.outputs.image.name,
        };
        const session = await sessions.load(
          "consistency_decoder",
          join(options.bundleDir, cd.file),
          {
            inputs: [names.sample, names.timestep, names.latents],
            outputs: [names.output],
          },
        );
        consistency = new ConsistencyDecoder({
          pool,
          session,
          names,
          scaleFactor: vae.downsample_factor,
          sampling: {
            sigmas: cd.sampling.sigmas,
            sigmaMin: cd.sampling.sigma_min,
            ...(cd.sampling.timesteps ? { timesteps: cd.sampling.timesteps } : {}),
          },
        });
      }
      const teacher = options.teacher
        ? await sessions.load("teacher", options.teacher, {
            inputs: [T.sample, T.sigma, T.latents],
            outputs: [T.output],
          })
        : undefined;
      return { encoder, decoder, consistency, teacher };
    });
    const { encoder, decoder, consistency, teacher } = loaded;
    const factor = vae.downsample_factor;
    const channels = vae.latent_channels;
    const latentDims = ({ width, height }: PlanarImage) => {
      if (width % factor || height % factor)
        throw new Error(`${width}×${height} is not a multiple of the VAE's factor ${factor}`);
      return [1, channels, height / factor, width / factor];
    };
    return {
      factor,
      channels,
      consistency,
      async encode(image) {
        latentDims(image);
        const feeds = { [E.image]: float32([1, 3, image.height, image.width], image.pixels) };
        return output(await pool.run(encoder.key, feeds), E.latents);
      },
      async decodeVae(latents, image) {
        const feeds = { [vae.inputs.latents.name]: float32(latentDims(image), latents) };
        return output(await pool.run(decoder.key, feeds), vae.outputs.image.name);
      },
      teacher:
        teacher &&
        ((latents, image) => {
          const dims = latentDims(image);
          return async (x, sigma) =>
            output(
              await pool.run(teacher.key, {
                [T.sample]: float32([1, 3, image.height, image.width], x),
                [T.sigma]: float32([1], [sigma]),
                [T.latents]: float32(dims, latents),
              }),
              T.output,
            );
        }),
      async close() {
        await dispose();
        await pool.close();
      },
    };
  } catch (error) {
    await pool.close();
    throw error;
  }
}
