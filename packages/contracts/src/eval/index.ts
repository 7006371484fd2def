/**
 * `@limner/contracts/eval`: the prompt-following evaluation both sides run — the held-out suite
 * file, the per-image category checks against the judge's scene graph, the bootstrap over
 * prompts and the summary the model card prints. The runtime's harness (`gpu-runtime/eval/`)
 * and `limner eval` (through the edge) import it from here, so their numbers mean the same.
 *
 * @module
 */
export * from "./category-checks";
export * from "./compbench-checks";
export * from "./statistics";
export * from "./suite";
export * from "./summary";
