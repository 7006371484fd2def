/**
 * loadBundle on real bundles through a real InferencePool worker: the committed limner-mini
 * (every pipeline; captioner and similarity on one image-encoder session) and copies of the
 * tiny-limner fixture with one component broken, watching which sessions enter and leave the
 * pool.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferencePool } from "../../src/backend/inference-pool";
import { BundleManifest } from "../../src/models/bundle-manifest";
import { loadBundle } from "../../src/models/load-bundle";
import { PipelineInputError } from "../../src/pipelines/pipeline-error";

const LIMNER_MINI = resolve(import.meta.dirname, "../../models/limner-mini");
const TINY_LIMNER = resolve(import.meta.dirname, "../fixtures/tiny-limner");

let pool: InferencePool;

beforeAll(async () => {
  pool = await InferencePool.start({ workers: 1, executionProviders: ["cpu"], intraOpThreads: 1 });
});
afterAll(async () => {
  await pool?.close();
});

/** `pool`, recording every session key it loads and releases. */
function watchedPool() {
  const loaded: string[] = [];
  const released: string[] = [];
  const watched = new Proxy(pool, {
    get(target, prop) {
      if (prop === "loadSession") {
        return async (key: string, path: string) => {
          const info = await target.loadSession(key, path);
          loaded.push(key);
          return info;
        };
      }
      if (prop === "releaseSession") {
        return async (key: string) => {
          released.push(key);
          await target.releaseSession(key);
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { pool: watched, loaded, released };
}

/** The fields of tiny-limner's `model.json` the tests break. */
interface TinyManifest {
  components: {
    denoiser: { outputs: { prediction: { name: string } }; prediction_type: string };
    upsampler: { decoding: { eos_id: number } };
  };
  generation: { scheduler_config: Record<string, unknown>; defaults: { scheduler: string } };
}

/** SD3's scheduler config: a rectified-flow (velocity) model. */
const FLOW_SCHEDULER = { _class_name: "FlowMatchEulerDiscreteScheduler", shift: 3.0 };

/** A copy of tiny-limner with `change` applied to its parsed `model.json`. */
function tinyLimnerCopy(change: (manifest: TinyManifest) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), "tiny-limner-"));
  cpSync(TINY_LIMNER, dir, { recursive: true });
  const manifest: TinyManifest = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
  change(manifest);
  writeFileSync(join(dir, "model.json"), JSON.stringify(manifest));
  return dir;
}

const sorted = (keys: readonly string[]) => [...keys].sort();

/** The pool no longer runs any of `keys`. */
async function expectGone(keys: readonly string[]) {
  for (const key of keys) {
    await expect(pool.run(key, {})).rejects.toMatchObject({ code: "UNKNOWN_SESSION" });
  }
}

describe("loadBundle", { timeout: 60_000 }, () => {
  it("loads every limner-mini component once; captioner and similarity share the encoder", async () => {
    const { pool: watched, loaded, released } = watchedPool();
    const bundle = await loadBundle(LIMNER_MINI, { pool: watched });
    const { imageToText, similarity, textToImage, upsampler } = bundle;
    if (!imageToText || !similarity) throw new Error("no captioner or towers");
    expect(textToImage?.decoders).toEqual(["vae", "consistency"]);
    expect(upsampler).toBeDefined();
    expect(bundle.vaeEncoder?.latentChannels).toBe(4);
    expect(bundle.generationDefaults).toMatchObject({ steps: 20, scheduler: "euler" });

    expect(imageToText.keys.imageEncoder).toBe("limner-mini/captioner_image_encoder");
    expect(similarity.keys.imageEncoder).toBe(imageToText.keys.imageEncoder);
    // One session per ONNX file of the bundle: 3 captioner + 5 image + 2 upsampler graphs.
    expect(loaded).toHaveLength(10);
    expect(new Set(loaded).size).toBe(10);
    expect(loaded.filter((key) => key.endsWith("captioner_image_encoder"))).toHaveLength(1);

    // Both pipelines run on the shared session.
    const bucket = { name: "square", width: 128, height: 128 };
    const pixels = new Float32Array(3 * 128 * 128).fill(0.9);
    await expect(
      imageToText.caption(pixels, bucket, { detail: "short", beams: 1 }),
    ).resolves.toEqual(expect.any(String));
    await expect(similarity.similarity(pixels, bucket, "a red circle")).resolves.toEqual(
      expect.any(Number),
    );

    await bundle.dispose();
    expect(sorted(released)).toEqual(sorted(loaded));
    await bundle.dispose();
    expect(released).toHaveLength(10);
    await expectGone(loaded);
  });

  it("dispose releases each tiny-limner session exactly once", async () => {
    const { pool: watched, loaded, released } = watchedPool();
    const bundle = await loadBundle(TINY_LIMNER, { pool: watched, keyPrefix: "tiny-dispose" });
    expect(bundle.imageToText).toBeUndefined();
    expect(bundle.similarity).toBeUndefined();
    expect(sorted(loaded)).toEqual(
      [
        "consistency_decoder",
        "denoiser",
        "text_encoder",
        "upsampler_decoder",
        "upsampler_encoder",
        "vae_decoder",
        "vae_encoder",
      ].map((c) => `tiny-dispose/${c}`),
    );
    await Promise.all([bundle.dispose(), bundle.dispose()]);
    expect(sorted(released)).toEqual(sorted(loaded));
    await expectGone(loaded);
  });

  it("releases what it had loaded when a component's file is broken", async () => {
    const dir = tinyLimnerCopy();
    writeFileSync(join(dir, "upsampler_decoder.onnx"), "not an onnx file");
    const { pool: watched, loaded, released } = watchedPool();
    await expect(
      loadBundle(dir, { pool: watched, keyPrefix: "tiny-broken" }),
    ).rejects.toMatchObject({ code: "LOAD_FAILED", session: "tiny-broken/upsampler_decoder" });
    // Everything before the upsampler's decoder had loaded, and went again.
    expect(loaded).toHaveLength(5);
    expect(sorted(released)).toEqual(sorted(loaded));
    await expectGone(loaded);
  });

  it("releases the session whose file lacks a tensor the manifest names, with the rest", async () => {
    const dir = tinyLimnerCopy((m) => {
      m.components.denoiser.outputs.prediction.name = "no_such_output";
    });
    const { pool: watched, loaded, released } = watchedPool();
    await expect(loadBundle(dir, { pool: watched, keyPrefix: "tiny-names" })).rejects.toThrow(
      /tiny-names\/denoiser: the manifest names output 'no_such_output'/,
    );
    expect(loaded).toEqual(["tiny-names/text_encoder", "tiny-names/denoiser"]);
    expect(sorted(released)).toEqual(sorted(loaded));
  });

  it("serves a flow-matching bundle: its manifest's FlowMatchEulerDiscreteScheduler samples 'euler'", async () => {
    const dir = tinyLimnerCopy((m) => {
      m.generation.scheduler_config = FLOW_SCHEDULER;
      m.components.denoiser.prediction_type = "flow_prediction";
    });
    const bundle = await loadBundle(dir, { pool, keyPrefix: "tiny-flow" });
    try {
      expect(bundle.generationDefaults?.scheduler).toBe("euler");
      const pipeline = bundle.textToImage;
      if (!pipeline) throw new Error("no text-to-image pipeline");
      const steps: number[] = [];
      const job = {
        prompt: "a red circle",
        negativePrompt: "",
        seed: 2,
        guidanceScale: 3,
        signal: new AbortController().signal,
        onStep: (step: number) => steps.push(step),
      };
      const size = { width: 64, height: 64, steps: 3, decoder: "vae" } as const;
      const [result] = await pipeline.generate([job], { ...size, scheduler: "euler" });
      expect(result).not.toBeInstanceOf(Error);
      expect(steps).toEqual([1, 2, 3]);
      await expect(pipeline.generate([job], { ...size, scheduler: "ddim" })).rejects.toThrow(
        PipelineInputError,
      );
    } finally {
      await bundle.dispose();
    }
  });

  it("refuses a flow scheduler for a denoiser that is not flow_prediction, or a default it cannot run", async () => {
    const epsilon = tinyLimnerCopy((m) => {
      m.generation.scheduler_config = FLOW_SCHEDULER;
    });
    await expect(loadBundle(epsilon, { pool, keyPrefix: "tiny-flow-eps" })).rejects.toThrow(
      /predicts velocity: use 'flow_prediction'[\s\S]*at prediction_type/,
    );
    const ddim = tinyLimnerCopy((m) => {
      m.generation.scheduler_config = FLOW_SCHEDULER;
      m.components.denoiser.prediction_type = "flow_prediction";
      m.generation.defaults.scheduler = "ddim";
    });
    await expect(loadBundle(ddim, { pool, keyPrefix: "tiny-flow-ddim" })).rejects.toThrow(
      /only with "euler", not "ddim"/,
    );
  });

  it("refuses manifest token ids the tokenizer disagrees with, releasing what had loaded", async () => {
    const dir = tinyLimnerCopy((m) => {
      m.components.upsampler.decoding.eos_id = 7;
    });
    const { pool: watched, loaded, released } = watchedPool();
    await expect(loadBundle(dir, { pool: watched, keyPrefix: "tiny-ids" })).rejects.toThrow(
      /\[EOS\] is id 7, the tokenizer says 2/,
    );
    expect(loaded.length).toBeGreaterThan(0);
    expect(sorted(released)).toEqual(sorted(loaded));
  });
});

describe("BundleManifest", () => {
  const limnerMini = () => JSON.parse(readFileSync(join(LIMNER_MINI, "model.json"), "utf8"));

  it("gives the captioner's decoding block in the pipeline's camelCase", () => {
    const decoding = BundleManifest.parse(limnerMini()).components.captioner_text_decoder?.decoding;
    expect(decoding).toMatchObject({ bosId: 1, eosId: 2, padId: 0, maxLength: 112 });
    expect(decoding?.modes.descriptive.countGrounding?.numberIds).toEqual([83, 127, 121, 48]);
    expect(decoding?.modes.short.countGrounding).toBeUndefined();
  });

  it("refuses a text decoder without its decoding block", () => {
    const manifest = limnerMini();
    delete manifest.components.captioner_text_decoder.decoding;
    const parsed = BundleManifest.safeParse(manifest);
    expect(parsed.error?.issues[0]?.path).toEqual([
      "components",
      "captioner_text_decoder",
      "decoding",
    ]);
  });

  it("refuses a default consistency decoder the bundle lacks, and buckets the VAE cannot fit", () => {
    const manifest = limnerMini();
    delete manifest.components.consistency_decoder;
    delete manifest.components.vae_encoder;
    manifest.generation.defaults.decoder = "consistency";
    manifest.components.vae_decoder.downsample_factor = 16;
    manifest.buckets = [{ name: "odd", width: 120, height: 128 }];
    const messages = BundleManifest.safeParse(manifest).error?.issues.map((i) => i.message);
    expect(messages).toEqual([
      "the default decoder is 'consistency' but there is no consistency_decoder",
      "odd (120×128) is not a multiple of the VAE's downsample_factor 16",
    ]);
  });

  it("takes the vae_encoder as optional, but only in the vae_decoder's latent space", () => {
    const without = limnerMini();
    delete without.components.vae_encoder;
    expect(BundleManifest.safeParse(without).success).toBe(true);

    const other = limnerMini();
    other.components.vae_encoder.latent_channels = 16;
    expect(BundleManifest.safeParse(other).error?.issues.map((i) => i.message)).toEqual([
      "16 differs from the vae_decoder's 4",
    ]);
    const alone = limnerMini();
    delete alone.components.vae_decoder;
    delete alone.components.denoiser;
    expect(BundleManifest.safeParse(alone).error?.issues.map((i) => i.message)).toEqual([
      "a vae_encoder needs the vae_decoder of its latent space",
    ]);
  });
});
