/**
 * `@limner/sdk/eval`: the prompt-following evaluation of the model card — the held-out suite
 * file's schema, the per-image category checks against the scene graph `images.score` returns,
 * the bootstrap over prompts and the card's summary — for tools that measure a deployment
 * (`limner eval` is one). The same code as the runtime's own harness (the private
 * `@limner/contracts/eval`, bundled into this package), so the numbers mean the same.
 *
 * @example
 * import { checkCategory, parseSuite, summarise } from "@limner/sdk/eval";
 *
 * @module
 */
export * from "@limner/contracts/eval";
