/**
 * Generating one suite prompt's images through the runtime's services, as a user's request
 * would be: for the "+upsample" variants the bundle's learned upsampler rewrites the prompt
 * first (`services.upsample`), as DALL-E 3 rewrites user prompts (Betker et al. 2023, §3.5);
 * then one `services.generate` request with `n` images, image j drawing its noise from the
 * runtime's (seed, j) stream (each reported with the request's seed).
 *
 * @module
 */
import { type Decoder, GenerateInput, type SchedulerName } from "@limner/contracts";
import type { Expectation, SuiteItem, Variant } from "@limner/contracts/eval";
import type { HostedBundle } from "./runtime-host";

/** Overrides of the bundle's sampling defaults (absent: the bundle's own). */
export interface GenerationSettings {
  steps?: number;
  guidanceScale?: number;
  decoder?: Decoder;
  scheduler?: SchedulerName;
}

/** What the runtime used, as it reports it. */
export interface UsedSettings {
  steps: number;
  guidanceScale: number;
  decoder: string;
  scheduler: string;
}

export interface GeneratedPrompt {
  /** The user's prompt: the one scored against. */
  prompt: string;
  /** What that prompt states. */
  expected: Expectation;
  /** What the generator got (the upsampler's rewrite for "+upsample"). */
  generationPrompt: string;
  images: { b64: string; seed: number; index: number }[];
  used: UsedSettings;
  ms: { upsample: number; generate: number };
}

export async function generatePrompt(
  generator: Pick<HostedBundle, "services" | "model">,
  item: SuiteItem,
  variant: Variant,
  images: number,
  settings: GenerationSettings = {},
): Promise<GeneratedPrompt> {
  const descriptive = variant.startsWith("descriptive");
  const prompt = descriptive ? item.descriptive : item.short;
  let t = performance.now();
  const generationPrompt = variant.endsWith("+upsample")
    ? (await generator.services.upsample({ model: generator.model, prompt }, {})).revisedPrompt
    : prompt;
  const upsample = performance.now() - t;
  t = performance.now();
  const input = GenerateInput.parse({
    requestId: `eval-${item.id}-${variant}`,
    model: generator.model,
    prompt: generationPrompt,
    bucket: item.bucket,
    seed: item.seed,
    n: images,
    ...settings,
  });
  const result = await generator.services.generate(input, { onEvent: () => {} });
  if (result.images.length !== images)
    throw new Error(
      `${item.id}/${variant}: asked for ${images} images, got ${result.images.length}`,
    );
  return {
    prompt,
    expected: descriptive ? item.expected_descriptive : item.expected_short,
    generationPrompt,
    images: result.images.map(({ b64, seed, index }) => ({ b64, seed, index })),
    used: {
      steps: result.steps,
      guidanceScale: result.guidanceScale,
      decoder: result.decoder,
      scheduler: result.scheduler,
    },
    ms: { upsample, generate: performance.now() - t },
  };
}
