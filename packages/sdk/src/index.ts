/**
 * `@limner/sdk`: a typed client for Limner's edge.
 *
 * @example
 * import { Limner } from "@limner/sdk";
 * const limner = new Limner({ baseURL: "http://127.0.0.1:8787/v1", apiKey: process.env.LIMNER_API_KEY! });
 * console.log((await limner.models.list()).data.map((m) => m.id));
 *
 * @module
 */

export type { Model, ModelList } from "@limner/contracts";
export { Limner, type LimnerOptions, type RequestOptions } from "./client";
export * from "./error";
