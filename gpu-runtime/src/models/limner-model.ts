/**
 * Loads a limner bundle (`model.json`): the pipelines its components allow. Captioning and
 * image–text similarity come from the captioner's components; text-to-image from
 * `text_encoder` + `denoiser` + `vae_decoder` (+ `consistency_decoder`) and the `generation`
 * section; prompt upsampling from `upsampler`. The manifest alone wires the models in — tensor
 * names, token ids, latent scale, scheduler and defaults — as docs/model-manifest.md specifies,
 * so a newly trained export needs no code change.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  AspectBucket,
  Decoder,
  type ModelManifest,
  type RuntimeModel,
  SchedulerName,
} from "@limner/contracts";
import { z } from "zod";
import type { InferencePool, SessionInfo } from "../backend/inference-pool";
import { ConsistencyDecoder } from "../pipelines/consistency-decoder";
import { ImageTextSimilarityPipeline } from "../pipelines/image-text-similarity";
import { ImageToTextPipeline } from "../pipelines/image-to-text";
import { PromptUpsamplerPipeline } from "../pipelines/prompt-upsampler";
import { type LoadedSession, TextToImagePipeline } from "../pipelines/text-to-image";
import { fromDiffusersConfig } from "../schedulers";
import { createTokenizer, type TextTokenizer } from "../tokenizers/load-tokenizer";
import type { GenerationDefaults, LoadedModel } from "./loaded-model";

const hasKinds = (manifest: ModelManifest, ...kinds: string[]) =>
  kinds.every((kind) => Object.values(manifest.components).some((c) => c.kind === kind));

const Tensor = z.object({ name: z.string().min(1) });
const TokenId = z.int().nonnegative();
const FilePath = z.string().min(1);

/** `components.vae_decoder` of `model.json` (also read by the training's decoder evaluation). */
export const VaeDecoderEntry = z.object({
  kind: z.literal("vae-decoder"),
  file: FilePath,
  inputs: z.object({ latents: Tensor }),
  outputs: z.object({ image: Tensor }),
  latent_channels: z.int().positive(),
  scaling_factor: z.number().positive(),
  downsample_factor: z.int().positive(),
});

/** `components.consistency_decoder` of `model.json`. */
export const ConsistencyDecoderEntry = z.object({
  kind: z.literal("consistency-decoder"),
  file: FilePath,
  inputs: z.object({ sample: Tensor, timestep: Tensor, latents: Tensor }),
  outputs: z.object({ image: Tensor }),
  sampling: z.object({
    sigmas: z.tuple([z.number().positive(), z.number().positive()]),
    sigma_min: z.number().nonnegative(),
    timesteps: z.tuple([z.number(), z.number()]).optional(),
  }),
});

/** The generation half of `model.json` (docs/model-manifest.md); other fields are left alone. */
const GenerationManifest = z.object({
  tokenizer: FilePath,
  buckets: z.array(AspectBucket).min(1).optional(),
  components: z.object({
    text_encoder: z.object({
      kind: z.literal("text-encoder"),
      file: FilePath,
      inputs: z.object({ input_ids: Tensor.extend({ dtype: z.enum(["int64", "int32"]) }) }),
      outputs: z.object({ hidden_states: Tensor }),
      max_length: z.int().min(2),
      bos_id: TokenId,
      eos_id: TokenId,
      pad_id: TokenId,
    }),
    denoiser: z.object({
      kind: z.literal("denoiser"),
      file: FilePath,
      inputs: z.object({ sample: Tensor, timestep: Tensor, context: Tensor }),
      outputs: z.object({ prediction: Tensor }),
      prediction_type: z.enum(["epsilon", "v_prediction", "sample"]),
    }),
    vae_decoder: VaeDecoderEntry,
    consistency_decoder: ConsistencyDecoderEntry.optional(),
  }),
  generation: z.object({
    scheduler_config: z.looseObject({
      _class_name: z.string(),
      prediction_type: z.string().optional(),
    }),
    defaults: z.object({
      steps: z.int().positive(),
      guidance_scale: z.number().min(0),
      scheduler: SchedulerName,
      decoder: Decoder,
    }),
  }),
});
type GenerationManifest = z.output<typeof GenerationManifest>;

export async function loadLimnerModel(
  pool: InferencePool,
  dir: string,
  manifest: ModelManifest,
  info: RuntimeModel,
): Promise<LoadedModel> {
  const disposers: (() => Promise<void>)[] = [];
  const disposeAll = async () => {
    await Promise.all(disposers.map((dispose) => dispose()));
  };
  try {
    const imageToText = hasKinds(manifest, "captioner-image-encoder", "captioner-text-decoder")
      ? await ImageToTextPipeline.fromManifest(pool, dir, manifest, info.id)
      : undefined;
    if (imageToText) disposers.push(() => imageToText.dispose());
    const similarity = hasKinds(manifest, "captioner-image-encoder", "captioner-text-tower")
      ? await ImageTextSimilarityPipeline.fromManifest(pool, dir, manifest, info.id)
      : undefined;
    if (similarity) disposers.push(() => similarity.dispose());
    const generation = hasKinds(manifest, "denoiser")
      ? await loadGeneration(pool, dir, manifest, info, disposers)
      : undefined;
    const upsampler = hasKinds(manifest, "upsampler")
      ? await PromptUpsamplerPipeline.fromManifest(pool, dir, manifest, info.id)
      : undefined;
    if (upsampler) disposers.push(() => upsampler.dispose());
    return {
      info,
      // Without a denoiser these only describe what a generate request would get.
      generationDefaults: generation?.defaults ?? {
        steps: 20,
        guidanceScale: 5,
        scheduler: "dpm++2m",
        decoder: "vae",
      },
      ...(generation ? { textToImage: generation.pipeline } : {}),
      ...(imageToText ? { imageToText } : {}),
      ...(similarity ? { similarity } : {}),
      ...(upsampler ? { upsampler } : {}),
      dispose: disposeAll,
    };
  } catch (error) {
    await disposeAll();
    throw error;
  }
}

async function loadGeneration(
  pool: InferencePool,
  dir: string,
  manifest: ModelManifest,
  info: RuntimeModel,
  disposers: (() => Promise<void>)[],
): Promise<{ pipeline: TextToImagePipeline; defaults: GenerationDefaults }> {
  const parsed = GenerationManifest.safeParse(manifest);
  if (!parsed.success) {
    throw new Error(
      `${join(dir, "model.json")} has a denoiser but an incomplete generation contract (docs/model-manifest.md):\n${z.prettifyError(parsed.error)}`,
    );
  }
  const m = parsed.data;
  const { text_encoder: te, denoiser, vae_decoder: vae, consistency_decoder: cd } = m.components;
  const defaults = m.generation.defaults;
  if (defaults.decoder === "consistency" && !cd) {
    throw new Error(
      `${info.id}: the default decoder is 'consistency' but there is no consistency_decoder`,
    );
  }
  for (const bucket of m.buckets ?? info.buckets) {
    if (bucket.width % vae.downsample_factor !== 0 || bucket.height % vae.downsample_factor !== 0) {
      throw new Error(
        `${info.id}: bucket ${bucket.name} (${bucket.width}×${bucket.height}) is not a multiple of the VAE's downsample_factor ${vae.downsample_factor}`,
      );
    }
  }
  const schedulerConfig = schedulerJson(m);
  // Fails at start-up, not per request, when the config asks for something unsupported.
  fromDiffusersConfig(schedulerConfig, defaults.scheduler);

  const tokenizer = framedTokenizer(
    createTokenizer(JSON.parse(await readFile(join(dir, m.tokenizer), "utf8"))),
    { bosId: te.bos_id, eosId: te.eos_id, padId: te.pad_id },
  );

  const load = async (component: string, file: string): Promise<LoadedSession> => {
    const key = `${info.id}/${component}`;
    const sessionInfo = await pool.loadSession(key, join(dir, file));
    disposers.push(() => pool.releaseSession(key));
    return { key, info: sessionInfo };
  };
  const textEncoder = await load("text_encoder", te.file);
  expectTensors(textEncoder, [te.inputs.input_ids.name], [te.outputs.hidden_states.name]);
  const unet = await load("denoiser", denoiser.file);
  const d = denoiser.inputs;
  expectTensors(
    unet,
    [d.sample.name, d.timestep.name, d.context.name],
    [denoiser.outputs.prediction.name],
  );
  const vaeDecoder = await load("vae_decoder", vae.file);
  expectTensors(vaeDecoder, [vae.inputs.latents.name], [vae.outputs.image.name]);

  let consistencyDecoder: ConsistencyDecoder | undefined;
  if (cd) {
    const session = await load("consistency_decoder", cd.file);
    const names = {
      sample: cd.inputs.sample.name,
      timestep: cd.inputs.timestep.name,
      latents: cd.inputs.latents.name,
      output: cd.outputs.image.name,
    };
    expectTensors(session, [names.sample, names.timestep, names.latents], [names.output]);
    consistencyDecoder = new ConsistencyDecoder({
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

  const pipeline = new TextToImagePipeline({
    pool,
    sessions: { textEncoder, unet, vaeDecoder },
    names: {
      textEncoder: {
        inputIds: te.inputs.input_ids.name,
        hiddenStates: te.outputs.hidden_states.name,
      },
      unet: {
        sample: d.sample.name,
        timestep: d.timestep.name,
        encoderHiddenStates: d.context.name,
        output: denoiser.outputs.prediction.name,
      },
      vaeDecoder: { latents: vae.inputs.latents.name, output: vae.outputs.image.name },
    },
    tokenizer,
    maxTokens: te.max_length,
    latentChannels: vae.latent_channels,
    vaeScaleFactor: vae.downsample_factor,
    scalingFactor: vae.scaling_factor,
    createScheduler: (name) => fromDiffusersConfig(schedulerConfig, name),
    ...(consistencyDecoder ? { consistencyDecoder } : {}),
  });
  return {
    pipeline,
    defaults: {
      steps: defaults.steps,
      guidanceScale: defaults.guidance_scale,
      scheduler: defaults.scheduler,
      decoder: defaults.decoder,
    },
  };
}

/**
 * The scheduler config with the denoiser's prediction type: the two must agree, since sampling
 * with the wrong parametrisation silently produces garbage.
 */
function schedulerJson(m: GenerationManifest): Record<string, unknown> {
  const config = m.generation.scheduler_config;
  const prediction = m.components.denoiser.prediction_type;
  if (config.prediction_type !== undefined && config.prediction_type !== prediction) {
    throw new Error(
      `generation.scheduler_config.prediction_type '${config.prediction_type}' contradicts the denoiser's '${prediction}'`,
    );
  }
  return { ...config, prediction_type: prediction };
}

function expectTensors(session: LoadedSession, inputs: string[], outputs: string[]): void {
  const missing = (names: string[], have: SessionInfo["inputs"]) =>
    names.filter((name) => !have.some((t) => t.name === name));
  const absent = [
    ...missing(inputs, session.info.inputs).map((n) => `input '${n}'`),
    ...missing(outputs, session.info.outputs).map((n) => `output '${n}'`),
  ];
  if (absent.length > 0) {
    throw new Error(
      `${session.key}: model.json names ${absent.join(", ")}, which the ONNX file lacks`,
    );
  }
}

/**
 * The text encoder's input framing from the manifest: `[BOS] words [EOS]`, right-padded with
 * `[PAD]`; truncation drops words, never the framing tokens. The bundle's word-level tokenizer
 * adds no special tokens itself (its captioner frames its own inputs the same way).
 */
function framedTokenizer(
  inner: TextTokenizer,
  ids: { bosId: number; eosId: number; padId: number },
): TextTokenizer {
  for (const id of Object.values(ids)) {
    if (id >= inner.vocabSize)
      throw new Error(`token id ${id} is outside the tokenizer's vocabulary`);
  }
  return {
    vocabSize: inner.vocabSize,
    modelMaxLength: inner.modelMaxLength,
    padId: ids.padId,
    tokenToId: (token) => inner.tokenToId(token),
    decode: (tokens, options) => inner.decode(tokens, options),
    encode(text, options = {}) {
      const maxLength = options.maxLength ?? inner.modelMaxLength;
      let words = inner.encode(text).ids;
      if (options.truncation && maxLength !== undefined)
        words = words.slice(0, Math.max(0, maxLength - 2));
      const framed = [ids.bosId, ...words, ids.eosId];
      const attentionMask = framed.map(() => 1);
      if (options.padding === "max_length") {
        if (maxLength === undefined) throw new RangeError("padding to max_length needs maxLength");
        while (framed.length < maxLength) {
          framed.push(ids.padId);
          attentionMask.push(0);
        }
      }
      return { ids: framed, attentionMask };
    },
  };
}
