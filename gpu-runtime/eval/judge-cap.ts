/**
 * What any generator can at best score on the suite: the judge on each item's own ground-truth
 * render (`training/image/suite.py --renders`), and on that render's VAE round trip (encode,
 * then the bundle's VAE decoder) — every image the denoiser can make is a decoding of latents,
 * so what the judge misreads on the round trips is lost to every generator. Each image is
 * encoded as PNG and read by `services.score` exactly as a generated image is, and checked with
 * the same category checks against the short and the descriptive prompt's expectations; the
 * intervals are the same bootstrap over prompts (one image each).
 *
 * @module
 */
import { join } from "node:path";
import {
  type BootstrapOptions,
  byCategory,
  type Category,
  checkCategory,
  type Estimate,
  type Outcome,
  perCategory,
  type SuiteItem,
} from "@limner/contracts/eval";
import { encodeImage } from "../src/pipelines/encode-image";
import { planarToRgb } from "../src/pipelines/latent-image";
import { openDecoderSessions, readPlanar, type SessionOptions } from "./decoder-sessions";
import type { HostedBundle } from "./runtime-host";

export const CAP_IMAGES = ["render", "roundTrip"] as const;
export type CapImage = (typeof CAP_IMAGES)[number];
export type CapPrompt = "short" | "descriptive";

export interface CapRow {
  categories: Record<Category, Estimate>;
  overall: Estimate;
}

export interface CapResults {
  images: number;
  /** Per image kind and prompt kind. */
  rows: Record<CapImage, Record<CapPrompt, CapRow>>;
  perItem: {
    id: string;
    category: Category;
    outcomes: Record<CapImage, Record<CapPrompt, Outcome>>;
  }[];
}

export interface CapOptions extends SessionOptions {
  rendersDir: string;
  items: readonly SuiteItem[];
  scorer: Pick<HostedBundle, "services" | "model">;
  bootstrap?: BootstrapOptions;
}

export async function evaluateJudgeCap(options: CapOptions): Promise<CapResults> {
  const log = options.log ?? (() => {});
  const sessions = await openDecoderSessions(options);
  const { scorer } = options;
  const perItem: CapResults["perItem"] = [];
  try {
    for (const [j, item] of options.items.entries()) {
      const render = await readPlanar(join(options.rendersDir, `${item.id}.png`));
      const roundTrip = await sessions.decodeVae(await sessions.encode(render), render);
      const judge = async (pixels: Float32Array): Promise<Record<CapPrompt, Outcome>> => {
        const png = await encodeImage(planarToRgb(pixels, 0, render.width, render.height), "png");
        const read = await scorer.services.score(
          { model: scorer.model, image: png.bytes.toString("base64"), prompt: item.short },
          {},
        );
        const check = (expected: SuiteItem["expected_short"]) =>
          checkCategory(item.category, expected, read.sceneGraph).outcome;
        return { short: check(item.expected_short), descriptive: check(item.expected_descriptive) };
      };
      const outcomes = { render: await judge(render.pixels), roundTrip: await judge(roundTrip) };
      perItem.push({ id: item.id, category: item.category, outcomes });
      if ((j + 1) % 50 === 0 || j + 1 === options.items.length)
        log(`[cap] ${j + 1}/${options.items.length} renders and round trips judged`);
    }
  } finally {
    await sessions.close();
  }
  const row = (kind: CapImage, prompt: CapPrompt): CapRow =>
    perCategory(
      byCategory(perItem, (p) => [p.outcomes[kind][prompt]]),
      options.bootstrap ?? {},
    );
  return {
    images: perItem.length,
    rows: {
      render: { short: row("render", "short"), descriptive: row("render", "descriptive") },
      roundTrip: { short: row("roundTrip", "short"), descriptive: row("roundTrip", "descriptive") },
    },
    perItem,
  };
}
