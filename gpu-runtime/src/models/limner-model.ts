/**
 * Loads a limner-mini-style bundle (`model.json`): the pipelines its components allow. Today
 * that is captioning and image–text similarity; the text-to-image components (text encoder,
 * denoiser, decoders) and the upsampler join here when the bundle ships them.
 *
 * @module
 */
import type { ModelManifest, RuntimeModel } from "@limner/contracts";
import type { InferencePool } from "../backend/inference-pool";
import { ImageTextSimilarityPipeline } from "../pipelines/image-text-similarity";
import { ImageToTextPipeline } from "../pipelines/image-to-text";
import type { LoadedModel } from "./loaded-model";

const hasKinds = (manifest: ModelManifest, ...kinds: string[]) =>
  kinds.every((kind) => Object.values(manifest.components).some((c) => c.kind === kind));

export async function loadLimnerModel(
  pool: InferencePool,
  dir: string,
  manifest: ModelManifest,
  info: RuntimeModel,
): Promise<LoadedModel> {
  const imageToText = hasKinds(manifest, "captioner-image-encoder", "captioner-text-decoder")
    ? await ImageToTextPipeline.fromManifest(pool, dir, manifest, info.id)
    : undefined;
  const similarity = hasKinds(manifest, "captioner-image-encoder", "captioner-text-tower")
    ? await ImageTextSimilarityPipeline.fromManifest(pool, dir, manifest, info.id)
    : undefined;
  return {
    info,
    // Until the bundle has a denoiser these only describe what a generate request would get.
    generationDefaults: { steps: 20, guidanceScale: 5, scheduler: "dpm++2m", decoder: "vae" },
    ...(imageToText ? { imageToText } : {}),
    ...(similarity ? { similarity } : {}),
    async dispose() {
      await Promise.all([imageToText?.dispose(), similarity?.dispose()]);
    },
  };
}
