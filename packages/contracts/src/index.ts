/**
 * `@limner/contracts`: the zod schemas every Limner layer agrees on: OpenAI wire formats, the
 * image stream's events, the admin API, the runtime's reports, image scores, the error vocabulary and the aspect-ratio buckets.
 *
 * @module
 */
export * from "./admin-keys";
export * from "./buckets";
export * from "./captions";
export * from "./connection-cancel";
export * from "./errors";
export * from "./gpt-image-request";
export * from "./health";
export * from "./image-edits";
export * from "./image-stream";
export * from "./images";
export * from "./models";
export * from "./runtime-procedures";
export * from "./scores";
export * from "./unsupported-fields";
export * from "./upsample";
export * from "./validation";
