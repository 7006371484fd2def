/**
 * A limner bundle's text-to-image half: `text_encoder` + `denoiser` + `vae_decoder`
 * (+ `consistency_decoder`) and the `generation` section, wired from the manifest alone
 * (docs/model-manifest.md) — tensor names, token framing, latent scale, scheduler, defaults.
 *
 * @module
 */
import { join } from "node:path";
import type { InferencePool, LoadedSession } from "../backend/inference-pool";
import { ConsistencyDecoder, type ConsistencyDecoderNames } from "../pipelines/consistency-decoder";
import { TextToImagePipeline } from "../pipelines/text-to-image";
import { fromDiffusersConfig } from "../schedulers";
import { framedTokenizer } from "../tokenizers/framed-tokenizer";
import type { TextTokenizer } from "../tokenizers/load-tokenizer";
import type { BundleManifest, ConsistencyDecoderEntry, VaeDecoderEntry } from "./bundle-manifest";
import type { BundleSessions } from "./bundle-sessions";
import type { GenerationDefaults } from "./loaded-model";

export interface BundleGeneration {
  readonly pipeline: TextToImagePipeline;
  readonly defaults: GenerationDefaults;
}

/** The text-to-image pipeline, or `undefined` for a bundle without a denoiser. */
export async function loadGeneration(
  pool: InferencePool,
  sessions: BundleSessions,
  dir: string,
  manifest: BundleManifest,
  tokenizer: TextTokenizer | undefined,
): Promise<BundleGeneration | undefined> {
  const {
    text_encoder: te,
    denoiser,
    vae_decoder: vae,
    consistency_decoder: cd,
  } = manifest.components;
  const generation = manifest.generation;
  if (!denoiser) return undefined;
  if (!te || !vae || !generation || !tokenizer) {
    // BundleManifest refuses such a manifest; this guards hand-built ones.
    throw new Error(
      `${dir}: a denoiser needs text_encoder, vae_decoder, generation and a tokenizer`,
    );
  }
  const { defaults } = generation;
  // The prediction type comes from the denoiser (the manifest refuses a contradicting one).
  const schedulerConfig = {
    ...generation.scheduler_config,
    prediction_type: denoiser.prediction_type,
  };
  // Fails at start-up, not per request, when the config asks for something unsupported.
  fromDiffusersConfig(schedulerConfig, defaults.scheduler);
  const framed = framedTokenizer(tokenizer, {
    bosId: te.bos_id,
    eosId: te.eos_id,
    padId: te.pad_id,
  });

  const textEncoder = await sessions.load("text_encoder", join(dir, te.file), {
    inputs: [te.inputs.input_ids.name],
    outputs: [te.outputs.hidden_states.name],
  });
  const d = denoiser.inputs;
  const unet = await sessions.load("denoiser", join(dir, denoiser.file), {
    inputs: [d.sample.name, d.timestep.name, d.context.name],
    outputs: [denoiser.outputs.prediction.name],
  });
  const vaeDecoder = await sessions.load("vae_decoder", join(dir, vae.file), {
    inputs: [vae.inputs.latents.name],
    outputs: [vae.outputs.image.name],
  });

  let consistencyDecoder: ConsistencyDecoder | undefined;
  if (cd) {
    const names = consistencyDecoderNames(cd);
    const session = await sessions.load("consistency_decoder", join(dir, cd.file), {
      inputs: [names.sample, names.timestep, names.latents],
      outputs: [names.output],
    });
    consistencyDecoder = consistencyDecoderFrom(pool, session, cd, vae);
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
    tokenizer: framed,
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

/** A `consistency_decoder` entry's tensor names, by role. */
export function consistencyDecoderNames(cd: ConsistencyDecoderEntry): ConsistencyDecoderNames {
  return {
    sample: cd.inputs.sample.name,
    timestep: cd.inputs.timestep.name,
    latents: cd.inputs.latents.name,
    output: cd.outputs.image.name,
  };
}

/** The 2-step decoder a `consistency_decoder` entry describes, on its loaded session. */
export function consistencyDecoderFrom(
  pool: InferencePool,
  session: LoadedSession,
  cd: ConsistencyDecoderEntry,
  vae: Pick<VaeDecoderEntry, "downsample_factor">,
): ConsistencyDecoder {
  return new ConsistencyDecoder({
    pool,
    session,
    names: consistencyDecoderNames(cd),
    scaleFactor: vae.downsample_factor,
    sampling: {
      sigmas: cd.sampling.sigmas,
      sigmaMin: cd.sampling.sigma_min,
      ...(cd.sampling.timesteps ? { timesteps: cd.sampling.timesteps } : {}),
    },
  });
}
