/**
 * The caption blend of the DALL-E 3 report (section 3.4, "Blending synthetic and ground-truth
 * captions"): train on the descriptive synthetic caption 95 % of the time and on the original
 * text otherwise, so the model still understands human-written prompts. The pick is a hash of
 * seed and image, not a random draw, so a resumed or sharded run picks exactly as one run would.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** A uniform number in [0, 1) determined by `seed` and `key`. */
export function uniform(seed: number, key: string): number {
  const digest = createHash("sha256").update(`${seed}\0${key}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** Whether `image` trains on its descriptive caption at blend ratio `blend`. */
export function usesDescriptive(blend: number, seed: number, image: string): boolean {
  return uniform(seed, image) < blend;
}
