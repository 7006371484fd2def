/**
 * TextToImagePipeline as loaded from the tiny-limner bundle's `model.json` (every generation
 * component, random weights) and from the tiny Optimum export, through a real InferencePool:
 * both decoders at the three buckets, seeds, batching, and the decoder contract; and the
 * Optimum export re-labelled as a rectified-flow model, to check what the flow sampler feeds.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { capabilitiesOf, type RuntimeModel } from "@limner/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferencePool } from "../../src/backend/inference-pool";
import type { TensorData } from "../../src/backend/tensor-data";
import { type BundleManifest, readBundleManifest } from "../../src/models/bundle-manifest";
import { loadDiffusersModel } from "../../src/models/diffusers-model";
import { loadLimnerModel } from "../../src/models/limner-model";
import { loadBundle } from "../../src/models/load-bundle";
import type { LoadedModel } from "../../src/models/loaded-model";
import type { RgbImage } from "../../src/pipelines/latent-image";
import { PipelineInputError } from "../../src/pipelines/pipeline-error";
import type {
  BatchSettings,
  ImageJob,
  TextToImagePipeline,
} from "../../src/pipelines/text-to-image";
import { SeededRandom } from "../../src/random/seeded-random";
import { FlowMatchEulerDiscreteScheduler } from "../../src/schedulers";

const TINY_LIMNER = resolve(import.meta.dirname, "../fixtures/tiny-limner");
const TINY_SD = resolve(import.meta.dirname, "../fixtures/tiny-sd");

function infoOf(manifest: BundleManifest): RuntimeModel {
  return {
    id: manifest.id,
    version: manifest.version,
    description: manifest.description,
    capabilities: capabilitiesOf(manifest),
    buckets: manifest.buckets ?? [],
    created: 0,
  };
}

let pool: InferencePool;
let limner: LoadedModel;
let sd: LoadedModel;

beforeAll(async () => {
  pool = await InferencePool.start({ workers: 1, executionProviders: ["cpu"], intraOpThreads: 1 });
  const manifest = readBundleManifest(TINY_LIMNER);
  limner = await loadLimnerModel(pool, TINY_LIMNER, manifest, infoOf(manifest));
  sd = await loadDiffusersModel(pool, TINY_SD, {
    ...infoOf(manifest),
    id: "tiny-sd",
    capabilities: ["generate"],
  });
});
afterAll(async () => {
  await limner?.dispose();
  await sd?.dispose();
  await pool?.close();
});

const pipelineOf = (model: LoadedModel): TextToImagePipeline => {
  if (!model.textToImage) throw new Error("no text-to-image pipeline");
  return model.textToImage;
};

const job = (seed: number, overrides: Partial<ImageJob> = {}): ImageJob => ({
  prompt: "a red circle above a blue square",
  negativePrompt: "",
  seed,
  guidanceScale: 4,
  signal: new AbortController().signal,
  ...overrides,
});

const settings = (overrides: Partial<BatchSettings> = {}): BatchSettings => ({
  width: 64,
  height: 64,
  steps: 2,
  scheduler: "euler",
  decoder: "consistency",
  ...overrides,
});

function image(result: RgbImage | Error | undefined): RgbImage {
  if (!result || result instanceof Error) throw result ?? new Error("no image");
  return result;
}

describe("tiny-limner from model.json", () => {
  it("takes its defaults, decoders and latent geometry from the manifest", () => {
    expect(limner.generationDefaults).toEqual({
      steps: 4,
      guidanceScale: 4,
      scheduler: "euler",
      decoder: "consistency",
    });
    const pipeline = pipelineOf(limner);
    expect(pipeline.decoders).toEqual(["vae", "consistency"]);
    expect([pipeline.latentChannels, pipeline.vaeScaleFactor]).toEqual([4, 8]);
    expect(limner.info.capabilities).toEqual(["generate", "upsample", "edit"]);
    expect(limner.upsampler).toBeDefined();
  });

  it.each([
    ["vae", 64, 64],
    ["vae", 112, 64],
    ["vae", 64, 112],
    ["consistency", 64, 64],
    ["consistency", 112, 64],
    ["consistency", 64, 112],
  ] as const)(
    "decodes with %s at %i×%i, the same seed giving the same pixels",
    async (decoder, width, height) => {
      const pipeline = pipelineOf(limner);
      const run = () => pipeline.generate([job(5)], settings({ decoder, width, height }));
      const [first] = await run();
      const [again] = await run();
      const a = image(first);
      expect([a.width, a.height, a.rgb.length]).toEqual([width, height, 3 * width * height]);
      expect(image(again).rgb).toEqual(a.rgb);
      // Random weights still vary over the image: not one flat colour.
      expect(new Set(a.rgb).size).toBeGreaterThan(8);
    },
  );

  it("decodes differently with the consistency decoder than with the VAE", async () => {
    const pipeline = pipelineOf(limner);
    const [vae] = await pipeline.generate([job(9)], settings({ decoder: "vae" }));
    const [consistency] = await pipeline.generate([job(9)], settings({ decoder: "consistency" }));
    expect(image(consistency).rgb).not.toEqual(image(vae).rgb);
  });

  it("gives each image its own consistency noise, equal alone and batched", async () => {
    const pipeline = pipelineOf(limner);
    const landscape = settings({ width: 112, height: 64 });
    const batched = await pipeline.generate([job(21), job(22, { guidanceScale: 2 })], landscape);
    const [alone] = await pipeline.generate([job(22, { guidanceScale: 2 })], landscape);
    expect(image(batched[1]).rgb).toEqual(image(alone).rgb);
    expect(image(batched[0]).rgb).not.toEqual(image(batched[1]).rgb);
  });

  it("refuses a bundle whose generation contract is incomplete", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tiny-limner-broken-"));
    cpSync(TINY_LIMNER, dir, { recursive: true });
    const raw = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    delete raw.components.vae_decoder;
    writeFileSync(join(dir, "model.json"), JSON.stringify(raw));
    await expect(loadBundle(dir, { pool })).rejects.toThrow(
      /model\.json[\s\S]*incomplete generation contract[\s\S]*vae_decoder/,
    );
  });
});

describe("a model without a consistency decoder", () => {
  it("lists only the VAE and refuses decoder 'consistency' as bad input", async () => {
    const pipeline = pipelineOf(sd);
    expect(pipeline.decoders).toEqual(["vae"]);
    await expect(pipeline.generate([job(1)], settings({ decoder: "consistency" }))).rejects.toThrow(
      PipelineInputError,
    );
    const [vae] = await pipeline.generate([job(1)], settings({ decoder: "vae" }));
    expect(image(vae).rgb.length).toBe(3 * 64 * 64);
  });
});

/** A denoiser call as the pool saw it: copies, since the pool transfers the feeds away. */
interface DenoiserCall {
  timestep: number[];
  sample: Float32Array;
  output: Float32Array;
}

const copyOf = (tensor: TensorData | undefined): number[] =>
  tensor ? Array.from(tensor.data, Number) : [];

/**
 * The real pool, with every run of a session under `suffix` recorded. A Proxy keeps the
 * InferencePool type without a test double.
 */
function recordingPool(target: InferencePool, suffix: string, calls: DenoiserCall[]) {
  return new Proxy(target, {
    get(pool, property) {
      if (property !== "run") {
        const value: unknown = Reflect.get(pool, property, pool);
        return typeof value === "function" ? value.bind(pool) : value;
      }
      const run: InferencePool["run"] = async (key, feeds, options) => {
        if (!key.endsWith(suffix)) return pool.run(key, feeds, options);
        const timestep = copyOf(feeds.timestep);
        const sample = Float32Array.from(copyOf(feeds.sample));
        const outputs = await pool.run(key, feeds, options);
        calls.push({ timestep, sample, output: Float32Array.from(copyOf(outputs.out_sample)) });
        return outputs;
      };
      return run;
    },
  });
}

describe("a rectified-flow model (FlowMatchEulerDiscreteScheduler, SD3's config)", () => {
  const calls: DenoiserCall[] = [];
  let flow: LoadedModel;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "tiny-flow-"));
    cpSync(TINY_SD, dir, { recursive: true });
    writeFileSync(
      join(dir, "scheduler", "scheduler_config.json"),
      JSON.stringify({ _class_name: "FlowMatchEulerDiscreteScheduler", shift: 3.0 }),
    );
    flow = await loadDiffusersModel(recordingPool(pool, "/unet", calls), dir, {
      id: "tiny-flow",
      version: "0",
      description: "tiny-sd re-labelled as a flow model",
      capabilities: ["generate"],
      buckets: [],
      created: 0,
    });
  });
  afterAll(async () => {
    await flow?.dispose();
  });

  it("defaults to 'euler', the flow Euler here", () => {
    expect(flow.generationDefaults.scheduler).toBe("euler");
  });

  it("feeds t = 1000σ, starts from unscaled noise and takes guided Euler steps on the velocity", async () => {
    calls.length = 0;
    const steps: Float32Array[] = [];
    const guidance = 4;
    const [result] = await pipelineOf(flow).generate(
      [
        job(3, {
          guidanceScale: guidance,
          onStep: (_, __, latents) => steps.push(latents.slice()),
        }),
      ],
      settings({ steps: 4, decoder: "vae" }),
    );
    expect(image(result).rgb.length).toBe(3 * 64 * 64);

    const reference = new FlowMatchEulerDiscreteScheduler({ shift: 3 });
    reference.setTimesteps(4);
    expect(reference.timesteps[0]).toBe(1000);
    expect(calls.map((c) => c.timestep)).toEqual(
      // One t per row: tiny-sd's timestep is [batch], and CFG doubles the batch.
      reference.timesteps.map((t) => [t, t]),
    );

    const plane = 4 * 8 * 8;
    // σ_init = 1 and no input scaling: the first sample is the seed's noise itself, twice (CFG).
    const noise = new SeededRandom(3).randn(plane);
    expect(calls[0]?.sample.subarray(0, plane)).toEqual(noise);
    expect(calls[0]?.sample.subarray(plane)).toEqual(noise);

    let latents = noise;
    calls.forEach((call, k) => {
      expect(call.sample.subarray(plane)).toEqual(latents);
      const sigma = reference.sigmas[k] ?? 0;
      const dt = Math.fround((reference.sigmas[k + 1] ?? 0) - sigma);
      const uncond = call.output.subarray(0, plane);
      const cond = call.output.subarray(plane);
      const expected = latents.map((x, i) => {
        const v = (uncond[i] ?? 0) + guidance * ((cond[i] ?? 0) - (uncond[i] ?? 0));
        return x + dt * v;
      });
      const got = steps[k] ?? new Float32Array(plane);
      expect(Math.max(...got.map((g, i) => Math.abs(g - (expected[i] ?? 0))))).toBeLessThan(1e-5);
      latents = got;
    });
  });

  it("refuses a beta-schedule sampler as bad input before running the model", async () => {
    calls.length = 0;
    await expect(
      pipelineOf(flow).generate([job(1)], settings({ scheduler: "ddim", decoder: "vae" })),
    ).rejects.toThrow(PipelineInputError);
    await expect(
      pipelineOf(flow).generate([job(1)], settings({ scheduler: "dpm++2m", decoder: "vae" })),
    ).rejects.toThrow(/cannot sample with 'dpm\+\+2m'[\s\S]*only with "euler"/);
    expect(calls).toHaveLength(0);
  });
});
