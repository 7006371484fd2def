/**
 * The one schema of a limner bundle's `model.json` (docs/model-manifest.md): the contracts'
 * {@link ModelManifest} envelope (id, version, description, tokenizer, buckets) with every
 * component the runtime serves typed by its role name, and the `generation` section. Other
 * components (the judge, future kinds) only need a `kind`, and unknown top-level fields
 * (`training`, …) survive parsing. Decoding blocks come out in the pipelines' camelCase, so
 * the loader hands them to the constructors as they are.
 *
 * The rules that span components live here too (a denoiser needs the rest of the generation
 * contract, buckets fit the VAE, …), so discovery refuses a malformed bundle at start-up with
 * its path; what needs the tokenizer or the ONNX files is checked when the bundle loads.
 *
 * @example
 * ```ts
 * const manifest = readBundleManifest("models/limner-mini");
 * manifest.components.captioner_text_decoder?.decoding.modes.short.maxNewTokens; // 32
 * ```
 *
 * @module
 */
import { join } from "node:path";
import {
  DEFAULT_BUCKETS,
  Decoder,
  ModelComponent,
  ModelManifest,
  SchedulerName,
} from "@limner/contracts";
import { z } from "zod";
import type { CaptionDecoding } from "../pipelines/image-to-text";
import type { UpsamplerDecoding } from "../pipelines/prompt-upsampler";
import { readJsonFile } from "./read-json";

const Tensor = z.object({ name: z.string().min(1) });
const TokenId = z.int().nonnegative();
const FilePath = z.string().min(1);

/** `components.text_encoder`. */
export const TextEncoderEntry = z.object({
  kind: z.literal("text-encoder"),
  file: FilePath,
  inputs: z.object({ input_ids: Tensor.extend({ dtype: z.enum(["int64", "int32"]) }) }),
  outputs: z.object({ hidden_states: Tensor }),
  max_length: z.int().min(2),
  bos_id: TokenId,
  eos_id: TokenId,
  pad_id: TokenId,
});

/** `components.denoiser`. */
export const DenoiserEntry = z.object({
  kind: z.literal("denoiser"),
  file: FilePath,
  inputs: z.object({ sample: Tensor, timestep: Tensor, context: Tensor }),
  outputs: z.object({ prediction: Tensor }),
  /** ε, v or x₀ for diffusion models; "flow_prediction" (velocity ε − x₀) for rectified flow. */
  prediction_type: z.enum(["epsilon", "v_prediction", "sample", "flow_prediction"]),
});

/** `components.vae_decoder` (also read by the decoder evaluation). */
export type VaeDecoderEntry = z.output<typeof VaeDecoderEntry>;
export const VaeDecoderEntry = z.object({
  kind: z.literal("vae-decoder"),
  file: FilePath,
  inputs: z.object({ latents: Tensor }),
  outputs: z.object({ image: Tensor }),
  latent_channels: z.int().positive(),
  scaling_factor: z.number().positive(),
  downsample_factor: z.int().positive(),
});

/**
 * `components.vae_encoder` (optional: image-to-image needs it, generation does not). `image` is
 * RGB in [-1, 1]; `latents` are in the decoder's input space (what `vae_decoder` takes).
 */
export type VaeEncoderEntry = z.output<typeof VaeEncoderEntry>;
export const VaeEncoderEntry = z.object({
  kind: z.literal("vae-encoder"),
  file: FilePath,
  inputs: z.object({ image: Tensor }),
  outputs: z.object({ latents: Tensor }),
  latent_channels: z.int().positive(),
  downsample_factor: z.int().positive(),
});

/** `components.consistency_decoder`. */
export type ConsistencyDecoderEntry = z.output<typeof ConsistencyDecoderEntry>;
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

/** `components.upsampler`: two graphs, no top-level `file`. */
export const UpsamplerEntry = z.object({
  kind: z.literal("upsampler"),
  encoder: z.object({
    file: FilePath,
    inputs: z.object({ input_ids: Tensor }),
    outputs: z.object({ memory: Tensor }),
  }),
  decoder: z.object({
    file: FilePath,
    inputs: z.object({ memory: Tensor, input_ids: Tensor }),
    outputs: z.object({ logits: Tensor }),
  }),
  decoding: z
    .object({
      strategy: z.literal("greedy").default("greedy"),
      bos_id: TokenId,
      eos_id: TokenId,
      pad_id: TokenId,
      /** Encoder ids at most, `[BOS]` and `[EOS]` included. */
      max_input_length: z.int().min(3),
      /** Decoder positions at most, `[BOS]` included. */
      max_length: z.int().min(2),
    })
    .transform(
      (d): UpsamplerDecoding => ({
        bosId: d.bos_id,
        eosId: d.eos_id,
        padId: d.pad_id,
        maxInputLength: d.max_input_length,
        maxLength: d.max_length,
      }),
    ),
});

/** A caption mode; `count_grounding` names the encoder output that picks its count word. */
const CaptionMode = z
  .object({
    token: z.string().min(1),
    id: TokenId,
    max_new_tokens: z.int().positive(),
    count_grounding: z
      .object({
        from: z.literal("captioner_image_encoder.object_count"),
        number_ids: z.array(TokenId).min(1),
      })
      .optional(),
  })
  .transform((m) => ({
    token: m.token,
    id: m.id,
    maxNewTokens: m.max_new_tokens,
    ...(m.count_grounding ? { countGrounding: { numberIds: m.count_grounding.number_ids } } : {}),
  }));

/** `components.captioner_image_encoder`; its tensor names are its roles (`pixels`, …). */
export const CaptionerImageEncoderEntry = z.object({
  kind: z.literal("captioner-image-encoder"),
  file: FilePath,
});

/** `components.captioner_text_decoder`, with its `decoding` block. */
export const CaptionerTextDecoderEntry = z.object({
  kind: z.literal("captioner-text-decoder"),
  file: FilePath,
  decoding: z
    .object({
      modes: z.object({ short: CaptionMode, descriptive: CaptionMode }),
      bos_id: TokenId,
      eos_id: TokenId,
      pad_id: TokenId,
      max_length: z.int().positive(),
    })
    .transform(
      (d): CaptionDecoding => ({
        modes: d.modes,
        bosId: d.bos_id,
        eosId: d.eos_id,
        padId: d.pad_id,
        maxLength: d.max_length,
      }),
    ),
});

/** `components.captioner_text_tower`: the contrastive text half. */
export const CaptionerTextTowerEntry = z.object({
  kind: z.literal("captioner-text-tower"),
  file: FilePath,
  inputs: z.object({ input_ids: z.object({ dtype: z.literal("int64") }) }),
  outputs: z.object({ text_embedding: z.object({ dtype: z.literal("float32") }) }),
  max_length: z.int().min(3),
});

const GenerationSection = z.object({
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
});

const Components = z
  .object({
    text_encoder: TextEncoderEntry.optional(),
    denoiser: DenoiserEntry.optional(),
    vae_decoder: VaeDecoderEntry.optional(),
    vae_encoder: VaeEncoderEntry.optional(),
    consistency_decoder: ConsistencyDecoderEntry.optional(),
    upsampler: UpsamplerEntry.optional(),
    captioner_image_encoder: CaptionerImageEncoderEntry.optional(),
    captioner_text_decoder: CaptionerTextDecoderEntry.optional(),
    captioner_text_tower: CaptionerTextTowerEntry.optional(),
  })
  .catchall(ModelComponent);

/** What a text-to-image bundle must have besides its denoiser (docs/model-manifest.md). */
const GENERATION_PARTS = ["text_encoder", "denoiser", "vae_decoder"] as const;

export const BundleManifest = ModelManifest.extend({
  components: Components,
  generation: GenerationSection.optional(),
}).superRefine((m, ctx) => {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  const c = m.components;
  const incomplete = "incomplete generation contract (docs/model-manifest.md): a denoiser needs";
  if (Object.values(c).some((component) => component?.kind === "denoiser")) {
    for (const part of GENERATION_PARTS) {
      if (!c[part]) issue(["components", part], `${incomplete} ${part}`);
    }
    if (!m.generation) issue(["generation"], `${incomplete} generation`);
  }
  const defaults = m.generation?.defaults;
  if (defaults?.decoder === "consistency" && !c.consistency_decoder) {
    issue(
      ["generation", "defaults", "decoder"],
      "the default decoder is 'consistency' but there is no consistency_decoder",
    );
  }
  const vae = c.vae_decoder;
  (m.buckets ?? DEFAULT_BUCKETS).forEach((bucket, i) => {
    if (vae && (bucket.width % vae.downsample_factor || bucket.height % vae.downsample_factor)) {
      issue(
        ["buckets", i],
        `${bucket.name} (${bucket.width}×${bucket.height}) is not a multiple of the VAE's downsample_factor ${vae.downsample_factor}`,
      );
    }
  });
  // An encoder into another latent space would hand the denoiser latents it cannot read.
  const encoder = c.vae_encoder;
  if (encoder && !vae) {
    issue(["components", "vae_encoder"], "a vae_encoder needs the vae_decoder of its latent space");
  }
  if (encoder && vae) {
    for (const field of ["latent_channels", "downsample_factor"] as const) {
      if (encoder[field] !== vae[field]) {
        issue(
          ["components", "vae_encoder", field],
          `${encoder[field]} differs from the vae_decoder's ${vae[field]}`,
        );
      }
    }
  }
  // Sampling with the wrong parametrisation silently produces garbage.
  const declared = m.generation?.scheduler_config.prediction_type;
  const prediction = c.denoiser?.prediction_type;
  if (declared !== undefined && prediction !== undefined && declared !== prediction) {
    issue(
      ["generation", "scheduler_config", "prediction_type"],
      `'${declared}' contradicts the denoiser's prediction_type '${prediction}'`,
    );
  }
  const tokenized = ["text_encoder", "upsampler", "captioner_text_decoder", "captioner_text_tower"];
  if (!m.tokenizer && tokenized.some((name) => c[name])) {
    issue(["tokenizer"], "the bundle's text components need a tokenizer");
  }
});
/** A parsed `model.json`. */
export type BundleManifest = z.output<typeof BundleManifest>;

/** `dir/model.json`, parsed; throws naming the file and every bad field. */
export function readBundleManifest(dir: string): BundleManifest {
  return readJsonFile(join(dir, "model.json"), BundleManifest);
}
