/**
 * VaeEncoder (pipelines/vae-encode.ts), loaded by loadBundle, on a real InferencePool worker.
 * tiny-limner (random weights) checks the contract: latents per bucket, bad input refused.
 * The committed limner-mini checks the weights: fresh shapes-world renders (Python's renderer,
 * a stream no training saw) encoded, then decoded by the bundle's own VAE decoder, come back
 * above a PSNR floor. Measured on these 12 renders: mean 29.46 dB, worst 20.63 dB (a dense
 * texture), the same to 0.001 dB as the PyTorch encoder and decoder the ONNX files came from;
 * on the card's 300 held-out images the mean is 28.01 dB. The floors leave 2.5 dB of margin.
 */
import { resolve } from "node:path";
import type { AspectBucket } from "@limner/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferencePool } from "../../src/backend/inference-pool";
import type { TensorData } from "../../src/backend/tensor-data";
import { type LimnerBundle, loadBundle } from "../../src/models/load-bundle";
import { planarToRgb } from "../../src/pipelines/latent-image";
import { PipelineInputError } from "../../src/pipelines/pipeline-error";
import { renderWorldScenes, type WorldScene } from "../judge/world-scenes";

const LIMNER_MINI = resolve(import.meta.dirname, "../../models/limner-mini");
const TINY_LIMNER = resolve(import.meta.dirname, "../fixtures/tiny-limner");
/** Mean round-trip PSNR floor on the renders (measured, minus a margin; see the module docs). */
const MIN_MEAN_PSNR_DB = 27;
/** No single render may come back far below the worst measured (a broken bucket would). */
const MIN_IMAGE_PSNR_DB = 18;

let pool: InferencePool;

beforeAll(async () => {
  pool = await InferencePool.start({ workers: 1, executionProviders: ["cpu"], intraOpThreads: 1 });
});

afterAll(async () => {
  await pool.close();
});

/** Interleaved 8-bit RGB → planar [0, 1], as `toBucketTensor` hands images to pipelines. */
function toPlanar(image: WorldScene["image"]): Float32Array {
  const plane = image.width * image.height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = (image.data[3 * i + c] ?? 0) / 255;
  }
  return out;
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  const mse = Math.max(sum / a.length, 1e-10);
  return 10 * Math.log10((255 * 255) / mse);
}

/** The bundle's VAE decoder on decoder-space latents `[C, h, w]` → 8-bit RGB. */
async function decode(bundle: LimnerBundle, latents: Float32Array, bucket: AspectBucket) {
  const vae = bundle.manifest.components.vae_decoder;
  if (!vae) throw new Error("no vae_decoder");
  const f = vae.downsample_factor;
  const feeds: Record<string, TensorData> = {
    [vae.inputs.latents.name]: {
      type: "float32",
      dims: [1, vae.latent_channels, bucket.height / f, bucket.width / f],
      data: latents.slice(),
    },
  };
  const key = `${bundle.manifest.id}/vae_decoder`;
  const out = await pool.run(key, feeds, { outputNames: [vae.outputs.image.name] });
  const image = out[vae.outputs.image.name];
  if (image?.type !== "float32") throw new Error("no decoded image");
  return planarToRgb(image.data, 0, bucket.width, bucket.height).rgb;
}

describe("VaeEncoder on tiny-limner", { timeout: 60_000 }, () => {
  let bundle: LimnerBundle;
  beforeAll(async () => {
    bundle = await loadBundle(TINY_LIMNER, { pool, keyPrefix: "tiny-vae-encode" });
  });
  afterAll(() => bundle.dispose());

  it("encodes every bucket to [C, H/8, W/8] latents, deterministically", async () => {
    const encoder = bundle.vaeEncoder;
    if (!encoder) throw new Error("tiny-limner has no vae_encoder");
    expect(encoder.latentChannels).toBe(4);
    for (const bucket of bundle.buckets) {
      const pixels = new Float32Array(3 * bucket.width * bucket.height).map((_, i) => (i % 7) / 6);
      const latents = await encoder.encode(pixels, bucket);
      expect(latents).toHaveLength((4 * bucket.width * bucket.height) / 64);
      expect(latents.every(Number.isFinite)).toBe(true);
      await expect(encoder.encode(pixels, bucket)).resolves.toEqual(latents);
      // The caller's pixels are not transferred away.
      expect(pixels).toHaveLength(3 * bucket.width * bucket.height);
    }
  });

  it("refuses a bucket the model lacks, or pixels that do not fill the bucket", async () => {
    const encoder = bundle.vaeEncoder;
    if (!encoder) throw new Error("tiny-limner has no vae_encoder");
    const square = bundle.buckets[0] as AspectBucket;
    const other = { name: "square", width: 128, height: 128 };
    await expect(encoder.encode(new Float32Array(3 * 128 * 128), other)).rejects.toBeInstanceOf(
      PipelineInputError,
    );
    await expect(encoder.encode(new Float32Array(10), square)).rejects.toThrow(/needs/);
  });
});

describe("VaeEncoder on limner-mini", { timeout: 180_000 }, () => {
  let bundle: LimnerBundle;
  let scenes: WorldScene[];
  beforeAll(async () => {
    [bundle, scenes] = await Promise.all([
      loadBundle(LIMNER_MINI, { pool, keyPrefix: "limner-mini" }),
      renderWorldScenes(12, 0),
    ]);
  });
  afterAll(() => bundle?.dispose());

  it("round trips fresh renders of every bucket through the bundle's VAE decoder", async () => {
    const encoder = bundle.vaeEncoder;
    if (!encoder) throw new Error("limner-mini has no vae_encoder");
    const scores: Record<string, number[]> = {};
    for (const scene of scenes) {
      const bucket = bundle.buckets.find((b) => b.name === scene.bucket) as AspectBucket;
      expect([scene.image.width, scene.image.height]).toEqual([bucket.width, bucket.height]);
      const latents = await encoder.encode(toPlanar(scene.image), bucket);
      const decoded = await decode(bundle, latents, bucket);
      const score = psnr(decoded, new Uint8Array(scene.image.data));
      scores[scene.bucket] = [...(scores[scene.bucket] ?? []), score];
    }
    expect(Object.keys(scores).sort()).toEqual(["landscape", "portrait", "square"]);
    const all = Object.values(scores).flat();
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    expect(mean).toBeGreaterThan(MIN_MEAN_PSNR_DB);
    expect(Math.min(...all)).toBeGreaterThan(MIN_IMAGE_PSNR_DB);
  });
});
