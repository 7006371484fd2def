/** Loads a discovered bundle with the loader for its layout. @module */
import type { InferencePool } from "../backend/inference-pool";
import { loadDiffusersModel } from "./diffusers-model";
import { loadLimnerModel } from "./limner-model";
import type { LoadedModel } from "./loaded-model";
import type { ModelBundle } from "./model-discovery";

export function loadModel(pool: InferencePool, bundle: ModelBundle): Promise<LoadedModel> {
  return bundle.kind === "diffusers"
    ? loadDiffusersModel(pool, bundle.dir, bundle.info)
    : loadLimnerModel(pool, bundle.dir, bundle.manifest, bundle.info);
}
