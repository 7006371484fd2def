/**
 * The wire facts the playground's browser code needs, taken from `@limner/contracts` and served
 * as one ES module (`/playground/wire.js`), so the page cannot drift from the API it calls:
 * stream event names, model families and their sizes, qualities and preview counts, edit sizes,
 * decoders, caption details and the request bounds.
 *
 * @module
 */
import {
  CaptionDetail,
  DEFAULT_EDIT_STRENGTH,
  Decoder,
  GPT_IMAGE_MODEL_ALIASES,
  GptImageGenerationRequest,
  GptImageQuality,
  GptImageSize,
  IMAGE_MODEL_ALIASES,
  IMAGE_SIZES,
  IMAGE_STREAM_ERROR_EVENT,
  IMAGE_STREAM_EVENT_TYPES,
  ImageEditSize,
  ImageGenerationRequest,
  ImageQuality,
  MAX_PARTIAL_IMAGES,
  MAX_PROMPT_LENGTH,
  resolveGptImageSize,
} from "@limner/contracts";

/** The request bounds of `POST /v1/images/generations`, read from its schema's JSON Schema. */
function bound(field: string, key: "minimum" | "maximum"): number | undefined {
  const schema = ImageGenerationRequest.toJSONSchema({ io: "input" }) as {
    properties?: Record<string, Record<string, unknown>>;
  };
  const value = schema.properties?.[field]?.[key];
  return typeof value === "number" ? value : undefined;
}

/**
 * One request surface (the contracts' `ImageModelFamily`): what the form offers when a model of
 * that family is picked, with the schema's own defaults selected first.
 */
interface FamilySurface {
  sizes: readonly string[];
  qualities: readonly string[];
  defaults: { size: string; quality: string };
  /** The most `partial_images` (previews in the stream) the family takes; 0 when not a field. */
  maxPartialImages: number;
}

function families(): Record<string, FamilySurface> {
  const dallE = ImageGenerationRequest.parse({ prompt: "p" });
  const gptImage = GptImageGenerationRequest.parse({
    prompt: "p",
    model: GPT_IMAGE_MODEL_ALIASES[0],
  });
  return {
    "dall-e": {
      sizes: IMAGE_SIZES,
      qualities: ImageQuality.options,
      defaults: { size: dallE.size, quality: dallE.quality },
      maxPartialImages: 0,
    },
    "gpt-image": {
      sizes: GptImageSize.options,
      qualities: GptImageQuality.options,
      defaults: { size: gptImage.size, quality: gptImage.quality },
      maxPartialImages: MAX_PARTIAL_IMAGES,
    },
  };
}

/** The module the browser imports: constants only, as JSON. */
export function playgroundWireModule(): string {
  const wire = {
    events: IMAGE_STREAM_EVENT_TYPES,
    errorEvent: IMAGE_STREAM_ERROR_EVENT,
    aliases: IMAGE_MODEL_ALIASES,
    gptImageAliases: GPT_IMAGE_MODEL_ALIASES,
    families: families(),
    /** What gpt-image's `size: "auto"` renders at. */
    autoSize: resolveGptImageSize("auto"),
    editSizes: ImageEditSize.options,
    editStrength: DEFAULT_EDIT_STRENGTH,
    decoders: Decoder.options,
    captionDetails: CaptionDetail.options,
    maxPromptLength: MAX_PROMPT_LENGTH,
    n: { min: bound("n", "minimum") ?? 1, max: bound("n", "maximum") ?? 1 },
    steps: { min: bound("steps", "minimum") ?? 1, max: bound("steps", "maximum") ?? 100 },
    guidance: {
      min: bound("guidance_scale", "minimum") ?? 0,
      max: bound("guidance_scale", "maximum") ?? 30,
    },
    seed: { max: bound("seed", "maximum") ?? 2 ** 32 - 1 },
  };
  return `export const WIRE = Object.freeze(${JSON.stringify(wire)});\n`;
}
