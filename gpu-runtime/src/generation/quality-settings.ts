/**
 * What a request's `quality` buys, in the model's own terms: denoising steps and decoder, from
 * the model manifest's defaults. dall-e-3's `standard` / `hd` and gpt-image's
 * `low` / `medium` / `high` / `auto` share one scale:
 *
 * | quality                     | steps               | decoder                                 |
 * |-----------------------------|---------------------|-----------------------------------------|
 * | `low`                       | ⌈default / 2⌉       | `vae`                                   |
 * | `standard`, `medium`, `auto`| default             | the model's default                     |
 * | `hd`, `high`                | 2 × default (≤ 100) | `consistency` when the model has one    |
 *
 * A request's explicit `steps` / `decoder` win over these.
 *
 * @module
 */
import type { Decoder, GenerationQuality } from "@limner/contracts";

/** The model defaults the mapping starts from. */
export interface QualityDefaults {
  steps: number;
  decoder: Decoder;
}

/** Steps and decoder for `quality` on a model with `defaults` and these `decoders`. */
export function qualitySettings(
  quality: GenerationQuality,
  defaults: QualityDefaults,
  decoders: readonly Decoder[],
): { steps: number; decoder: Decoder } {
  switch (quality) {
    case "low":
      // Half the steps: the sampler's coarse structure is set early; the VAE is the cheap decoder.
      return { steps: Math.max(1, Math.ceil(defaults.steps / 2)), decoder: "vae" };
    case "hd":
    case "high":
      return {
        steps: Math.min(100, defaults.steps * 2),
        decoder: decoders.includes("consistency") ? "consistency" : defaults.decoder,
      };
    default:
      return { steps: defaults.steps, decoder: defaults.decoder };
  }
}
