/**
 * Models: OpenAI's `GET /v1/models` list format, the runtime's model manifest (`model.json`),
 * and what a runtime reports about each loaded model.
 *
 * @module
 */
import { z } from "zod";
import { AspectBucket } from "./buckets";

/**
 * One entry of `GET /v1/models`, as in the OpenAI API reference (`id`, `object: "model"`,
 * `created` in Unix seconds, `owned_by`), plus Limner's optional `capabilities`, which OpenAI
 * clients ignore.
 */
export const Model = z.object({
  id: z.string(),
  object: z.literal("model"),
  created: z.int(),
  owned_by: z.string(),
  capabilities: z.array(z.string()).optional(),
  /** For an OpenAI model id the deployment maps (`dall-e-3`, `gpt-image-1`, ...): the model it serves. */
  alias_of: z.string().optional(),
});
/** The parsed shape of {@link Model}. */
export type Model = z.infer<typeof Model>;

/** The body of `GET /v1/models`. */
export const ModelList = z.object({
  object: z.literal("list"),
  data: z.array(Model),
});
/** The parsed shape of {@link ModelList}. */
export type ModelList = z.infer<typeof ModelList>;

/** Lower-case words joined by `-`, `.` or `_`: safe in URLs, file names and `model` fields. */
const SLUG = /^[a-z0-9]+(?:[-._][a-z0-9]+)*$/;

/**
 * One component of a model (captioner, VAE, denoiser, ...). Loose because each kind carries
 * its own settings (latent channels, scheduler config, ...) that only its pipeline reads.
 */
export const ModelComponent = z.looseObject({
  kind: z.string().min(1),
  file: z.string().optional(),
});
/** The parsed shape of {@link ModelComponent}. */
export type ModelComponent = z.infer<typeof ModelComponent>;

/**
 * `model.json` in a model folder: the one manifest that describes a model family's components.
 * Loose at the top level too, so runtime settings this package does not model (latent scale,
 * scheduler config, defaults) survive parsing instead of being stripped.
 *
 * @example
 * ```ts
 * const manifest = ModelManifest.parse(JSON.parse(await readFile("models/limner-mini/model.json", "utf8")));
 * capabilitiesOf(manifest); // ["generate", "caption", "upsample", "score"]
 * ```
 */
export const ModelManifest = z.looseObject({
  id: z.string().regex(SLUG),
  version: z.string().min(1),
  description: z.string(),
  tokenizer: z.string().optional(),
  buckets: z.array(AspectBucket).min(1).optional(),
  components: z.record(z.string(), ModelComponent),
});
/** The parsed shape of {@link ModelManifest}. */
export type ModelManifest = z.infer<typeof ModelManifest>;

/** Component-kind prefixes and the capability each one gives a model, in reporting order. */
const CAPABILITY_BY_KIND: readonly (readonly [prefix: string, capability: string])[] = [
  ["denoiser", "generate"],
  ["unet", "generate"],
  ["captioner", "caption"],
  ["upsampler", "upsample"],
  ["judge", "score"],
];

/**
 * What a model can do, derived from its component kinds so a manifest cannot claim a
 * capability it has no component for. Kinds match by prefix (`captioner-short` → `caption`);
 * unknown kinds (VAE, text encoder, ...) add nothing.
 *
 * @example
 * ```ts
 * capabilitiesOf({ ...manifest, components: { unet: { kind: "unet" } } }); // ["generate"]
 * ```
 */
export function capabilitiesOf(manifest: Pick<ModelManifest, "components">): string[] {
  const kinds = Object.values(manifest.components).map((component) => component.kind);
  const found: string[] = [];
  for (const [prefix, capability] of CAPABILITY_BY_KIND) {
    if (found.includes(capability)) continue;
    if (kinds.some((kind) => kind.startsWith(prefix))) found.push(capability);
  }
  // Image-to-image needs the generator and a VAE encoder to bring images into its latent space.
  if (found.includes("generate") && kinds.some((kind) => kind.startsWith("vae-encoder"))) {
    found.push("edit");
  }
  return found;
}

/** A model as a runtime reports it to the edge (its `models` procedure). */
export const RuntimeModel = z.object({
  id: z.string(),
  version: z.string(),
  description: z.string(),
  capabilities: z.array(z.string()),
  buckets: z.array(AspectBucket),
  /** When the bundle was installed (manifest mtime, Unix seconds): OpenAI's `created`. */
  created: z.int().nonnegative(),
});
/** The parsed shape of {@link RuntimeModel}. */
export type RuntimeModel = z.infer<typeof RuntimeModel>;
