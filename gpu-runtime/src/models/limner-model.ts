/**
 * A limner bundle as the runtime serves it: {@link loadBundle}'s pipelines under the model's
 * public description, with request defaults for bundles that cannot generate.
 *
 * @module
 */
import type { RuntimeModel } from "@limner/contracts";
import type { InferencePool } from "../backend/inference-pool";
import { ImageToImagePipeline } from "../pipelines/image-to-image";
import type { BundleManifest } from "./bundle-manifest";
import { loadBundle } from "./load-bundle";
import type { GenerationDefaults, LoadedModel } from "./loaded-model";

/** Without a denoiser these only describe what a generate request would get. */
const NO_GENERATION: GenerationDefaults = {
  steps: 20,
  guidanceScale: 5,
  scheduler: "dpm++2m",
  decoder: "vae",
};

export async function loadLimnerModel(
  pool: InferencePool,
  dir: string,
  manifest: BundleManifest,
  info: RuntimeModel,
): Promise<LoadedModel> {
  const bundle = await loadBundle(dir, { pool, manifest, keyPrefix: info.id });
  const { textToImage, imageToText, similarity, upsampler, vaeEncoder } = bundle;
  return {
    info,
    generationDefaults: bundle.generationDefaults ?? NO_GENERATION,
    ...(textToImage ? { textToImage } : {}),
    ...(imageToText ? { imageToText } : {}),
    ...(similarity ? { similarity } : {}),
    ...(upsampler ? { upsampler } : {}),
    ...(vaeEncoder ? { vaeEncoder } : {}),
    ...(textToImage && vaeEncoder
      ? { imageToImage: new ImageToImagePipeline(textToImage, vaeEncoder) }
      : {}),
    dispose: () => bundle.dispose(),
  };
}
