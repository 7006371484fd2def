/**
 * Loads a diffusers/Optimum ONNX Stable Diffusion export (`model_index.json`, `tokenizer/`,
 * `text_encoder/`, `unet/`, `vae_decoder/`, `scheduler/`) into the inference pool, so
 * community exports run beside limner-mini.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RuntimeModel, SchedulerName } from "@limner/contracts";
import { z } from "zod";
import type { InferencePool } from "../backend/inference-pool";
import { OPTIMUM_TENSOR_NAMES, TextToImagePipeline } from "../pipelines/text-to-image";
import { fromDiffusersConfig, nativeSchedulerName } from "../schedulers";
import { loadTokenizer } from "../tokenizers/load-tokenizer";
import { withBundleSessions } from "./bundle-sessions";
import type { LoadedModel } from "./loaded-model";

const VaeConfig = z.looseObject({
  latent_channels: z.int().positive().default(4),
  scaling_factor: z.number().positive().default(0.18215),
});

/** Stable Diffusion's own defaults (diffusers' pipeline call signature). */
const SD_STEPS = 25;
const SD_GUIDANCE = 7.5;

export async function loadDiffusersModel(
  pool: InferencePool,
  dir: string,
  info: RuntimeModel,
): Promise<LoadedModel> {
  const readJson = async (...path: string[]) =>
    JSON.parse(await readFile(join(dir, ...path), "utf8")) as unknown;
  const vae = VaeConfig.parse(await readJson("vae_decoder", "config.json"));
  const schedulerConfig = await readJson("scheduler", "scheduler_config.json");
  const native = nativeSchedulerName(schedulerConfig);
  const tokenizer = await loadTokenizer(join(dir, "tokenizer"));

  const names = OPTIMUM_TENSOR_NAMES;
  const { value: textToImage, dispose } = await withBundleSessions(
    pool,
    info.id,
    async (sessions) => {
      const load = (component: string, inputs: string[], outputs: string[]) =>
        sessions.load(component, join(dir, component, "model.onnx"), { inputs, outputs });
      const textEncoder = await load(
        "text_encoder",
        [names.textEncoder.inputIds],
        [names.textEncoder.hiddenStates],
      );
      const u = names.unet;
      const unet = await load("unet", [u.sample, u.timestep, u.encoderHiddenStates], [u.output]);
      const vaeDecoder = await load(
        "vae_decoder",
        [names.vaeDecoder.latents],
        [names.vaeDecoder.output],
      );
      return new TextToImagePipeline({
        pool,
        sessions: { textEncoder, unet, vaeDecoder },
        names,
        tokenizer,
        maxTokens: tokenizer.modelMaxLength ?? 77,
        latentChannels: vae.latent_channels,
        vaeScaleFactor: 8,
        scalingFactor: vae.scaling_factor,
        createScheduler: (name: SchedulerName) => fromDiffusersConfig(schedulerConfig, name),
      });
    },
  );

  return {
    info,
    generationDefaults: {
      steps: SD_STEPS,
      guidanceScale: SD_GUIDANCE,
      scheduler: native,
      decoder: "vae",
    },
    textToImage,
    dispose,
  };
}
