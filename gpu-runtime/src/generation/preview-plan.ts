/**
 * When a generation sends previews. Counted previews (`previews: k`, what gpt-image's
 * `partial_images` asks for) fall on steps spread evenly over the run, so each shows the image
 * visibly further along; `previews: true` keeps the periodic latent previews of progress bars.
 *
 * @module
 */

/** Periodic previews (`previews: true`) are sent at most this often, in steps. */
export const PREVIEW_EVERY = 5;

/**
 * The steps (1-based, increasing) after which `count` previews are taken out of `totalSteps`:
 * step ⌈i·T / (k + 1)⌉ for i = 1..k, with k capped at T. The spacing T / (k + 1) is at least
 * 1 once k ≤ T − 1, and k = T gives every step, so the steps are always distinct; none is
 * the final step unless k = T (the final image arrives as the completed event).
 *
 * @example
 * ```ts
 * previewSteps(2, 10); // [4, 7]
 * ```
 */
export function previewSteps(count: number, totalSteps: number): number[] {
  const k = Math.max(0, Math.min(count, totalSteps));
  return Array.from({ length: k }, (_, i) => Math.ceil(((i + 1) * totalSteps) / (k + 1)));
}
