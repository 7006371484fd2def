/**
 * Loads a limner bundle (`model.json`, docs/model-manifest.md) into an inference pool and
 * returns the pipelines its components allow — diffusers' `from_pretrained`, once per bundle:
 *
 * - text-to-image (with its decoders) from `text_encoder` + `denoiser` + `vae_decoder`
 *   (+ `consistency_decoder`) and the `generation` section;
 * - captioning from `captioner_image_encoder` + `captioner_text_decoder`, and image–text
 *   similarity from the same image encoder + `captioner_text_tower`: one encoder session
 *   serves both;
 * - prompt upsampling from `upsampler`;
 * - image → latents from the optional `vae_encoder` (for image-to-image; vae-encode.ts).
 *
 * The manifest is parsed by the one {@link BundleManifest} schema and the tokenizer read once.
 * Every ONNX component is loaded once (bundle-sessions.ts); if anything fails, the sessions
 * loaded so far are released, and `dispose()` releases each session once. Pipelines only run.
 *
 * @example
 * ```ts
 * const pool = await InferencePool.start({ executionProviders: ["cpu"] });
 * const bundle = await loadBundle("models/limner-mini", { pool });
 * await bundle.imageToText?.caption(pixels, bucket, { detail: "short", beams: 1 });
 * await bundle.dispose();
 * await pool.close();
 * ```
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type AspectBucket, DEFAULT_BUCKETS } from "@limner/contracts";
import type { InferencePool } from "../backend/inference-pool";
import { ImageTextSimilarityPipeline } from "../pipelines/image-text-similarity";
import { ImageToTextPipeline } from "../pipelines/image-to-text";
import { PromptUpsamplerPipeline } from "../pipelines/prompt-upsampler";
import type { TextToImagePipeline } from "../pipelines/text-to-image";
import { VaeEncoder } from "../pipelines/vae-encode";
import { createTokenizer, type TextTokenizer } from "../tokenizers/load-tokenizer";
import { loadGeneration } from "./bundle-generation";
import { type BundleManifest, readBundleManifest } from "./bundle-manifest";
import { type BundleSessions, withBundleSessions } from "./bundle-sessions";
import type { GenerationDefaults } from "./loaded-model";

export interface LoadBundleOptions {
  readonly pool: InferencePool;
  /** `dir/model.json` already parsed (model discovery has it); read from `dir` otherwise. */
  readonly manifest?: BundleManifest;
  /** Prefix of the pool keys (default: the manifest's id), e.g. to hold one bundle twice. */
  readonly keyPrefix?: string;
}

export interface LimnerBundle {
  readonly manifest: BundleManifest;
  /** The bundle's tokenizer as read from its file (components frame its ids themselves). */
  readonly tokenizer?: TextTokenizer;
  readonly buckets: readonly AspectBucket[];
  readonly textToImage?: TextToImagePipeline;
  /** The manifest's `generation.defaults`, where there is a text-to-image pipeline. */
  readonly generationDefaults?: GenerationDefaults;
  readonly imageToText?: ImageToTextPipeline;
  readonly similarity?: ImageTextSimilarityPipeline;
  readonly upsampler?: PromptUpsamplerPipeline;
  /** Image → decoder-space latents, where the bundle has a `vae_encoder`. */
  readonly vaeEncoder?: VaeEncoder;
  /** Releases every session of the bundle once; the pipelines are unusable afterwards. */
  dispose(): Promise<void>;
}

export async function loadBundle(dir: string, options: LoadBundleOptions): Promise<LimnerBundle> {
  const { pool } = options;
  const manifest = options.manifest ?? readBundleManifest(dir);
  const tokenizer = manifest.tokenizer
    ? createTokenizer(JSON.parse(await readFile(join(dir, manifest.tokenizer), "utf8")))
    : undefined;
  const buckets = manifest.buckets ?? DEFAULT_BUCKETS;
  const { value, dispose } = await withBundleSessions(
    pool,
    options.keyPrefix ?? manifest.id,
    async (sessions) => {
      const context = { pool, sessions, dir, manifest, buckets };
      const captioner = tokenizer ? await loadCaptioner(context, tokenizer) : {};
      const generation = await loadGeneration(pool, sessions, dir, manifest, tokenizer);
      const upsampler = tokenizer ? await loadUpsampler(context, tokenizer) : undefined;
      const vaeEncoder = await loadVaeEncoder(context);
      return {
        ...captioner,
        ...(generation
          ? { textToImage: generation.pipeline, generationDefaults: generation.defaults }
          : {}),
        ...(upsampler ? { upsampler } : {}),
        ...(vaeEncoder ? { vaeEncoder } : {}),
      };
    },
  );
  return { manifest, ...(tokenizer ? { tokenizer } : {}), buckets, ...value, dispose };
}

interface LoadContext {
  readonly pool: InferencePool;
  readonly sessions: BundleSessions;
  readonly dir: string;
  readonly manifest: BundleManifest;
  readonly buckets: readonly AspectBucket[];
}

/** Captioning and similarity, which share the image encoder's session. */
async function loadCaptioner(
  { pool, sessions, dir, manifest, buckets }: LoadContext,
  tokenizer: TextTokenizer,
): Promise<{ imageToText?: ImageToTextPipeline; similarity?: ImageTextSimilarityPipeline }> {
  const {
    captioner_image_encoder: encoderEntry,
    captioner_text_decoder: decoderEntry,
    captioner_text_tower: towerEntry,
  } = manifest.components;
  if (!encoderEntry || (!decoderEntry && !towerEntry)) return {};
  const decoding = decoderEntry?.decoding;
  if (decoding) {
    expectTokenIds(
      tokenizer,
      Object.values(decoding.modes).map((m) => [m.token, m.id]),
    );
  }
  const textInput = towerEntry && {
    bosId: tokenId(tokenizer, "[BOS]"),
    eosId: tokenId(tokenizer, "[EOS]"),
    padId: tokenId(tokenizer, "[PAD]"),
    maxLength: towerEntry.max_length,
  };
  const grounded = Object.values(decoding?.modes ?? {}).some((m) => m.countGrounding);
  // The captioner's tensors are named by their roles in the manifest.
  const load = (component: string, file: string, inputs: string[], outputs: string[]) =>
    sessions.load(component, join(dir, file), { inputs, outputs });
  const { key: imageEncoder } = await load(
    "captioner_image_encoder",
    encoderEntry.file,
    ["pixels"],
    [
      ...(decoding ? ["image_tokens"] : []),
      ...(grounded ? ["object_count"] : []),
      ...(textInput ? ["image_embedding"] : []),
    ],
  );
  const common = { pool, tokenizer, buckets };
  const decoder =
    decoderEntry && decoding
      ? await load(
          "captioner_text_decoder",
          decoderEntry.file,
          ["image_tokens", "input_ids"],
          ["logits"],
        )
      : undefined;
  const tower =
    towerEntry && textInput
      ? await load("captioner_text_tower", towerEntry.file, ["input_ids"], ["text_embedding"])
      : undefined;
  return {
    ...(decoder && decoding
      ? {
          imageToText: new ImageToTextPipeline({
            ...common,
            keys: { imageEncoder, textDecoder: decoder.key },
            decoding,
          }),
        }
      : {}),
    ...(tower && textInput
      ? {
          similarity: new ImageTextSimilarityPipeline({
            ...common,
            keys: { imageEncoder, textTower: tower.key },
            textInput,
          }),
        }
      : {}),
  };
}

async function loadUpsampler(
  { pool, sessions, dir, manifest }: LoadContext,
  tokenizer: TextTokenizer,
): Promise<PromptUpsamplerPipeline | undefined> {
  const entry = manifest.components.upsampler;
  if (!entry) return undefined;
  const { encoder, decoder, decoding } = entry;
  expectTokenIds(tokenizer, [
    ["[BOS]", decoding.bosId],
    ["[EOS]", decoding.eosId],
    ["[PAD]", decoding.padId],
  ]);
  const names = {
    encoder: { inputIds: encoder.inputs.input_ids.name, memory: encoder.outputs.memory.name },
    decoder: {
      memory: decoder.inputs.memory.name,
      inputIds: decoder.inputs.input_ids.name,
      logits: decoder.outputs.logits.name,
    },
  };
  const encoderSession = await sessions.load("upsampler_encoder", join(dir, encoder.file), {
    inputs: [names.encoder.inputIds],
    outputs: [names.encoder.memory],
  });
  const decoderSession = await sessions.load("upsampler_decoder", join(dir, decoder.file), {
    inputs: [names.decoder.memory, names.decoder.inputIds],
    outputs: [names.decoder.logits],
  });
  return new PromptUpsamplerPipeline({
    pool,
    keys: { encoder: encoderSession.key, decoder: decoderSession.key },
    names,
    tokenizer,
    decoding,
  });
}

/** The optional VAE encoder; the manifest checked that it shares the decoder's latent space. */
async function loadVaeEncoder({
  pool,
  sessions,
  dir,
  manifest,
  buckets,
}: LoadContext): Promise<VaeEncoder | undefined> {
  const entry = manifest.components.vae_encoder;
  if (!entry) return undefined;
  const names = { image: entry.inputs.image.name, latents: entry.outputs.latents.name };
  const { key } = await sessions.load("vae_encoder", join(dir, entry.file), {
    inputs: [names.image],
    outputs: [names.latents],
  });
  return new VaeEncoder({
    pool,
    key,
    names,
    buckets,
    latentChannels: entry.latent_channels,
    downsampleFactor: entry.downsample_factor,
  });
}

/** The manifest's token ids must be the tokenizer's, or every decode would be shifted. */
function expectTokenIds(
  tokenizer: TextTokenizer,
  pairs: readonly (readonly [token: string, id: number])[],
): void {
  for (const [token, id] of pairs) {
    const actual = tokenizer.tokenToId(token);
    if (actual !== id) {
      throw new Error(`model.json says ${token} is id ${id}, the tokenizer says ${actual}`);
    }
  }
}

function tokenId(tokenizer: TextTokenizer, token: string): number {
  const id = tokenizer.tokenToId(token);
  if (id === undefined) throw new Error(`the bundle's tokenizer has no ${token} token`);
  return id;
}
