/**
 * `@limner/sdk/contracts`: the zod schemas the client is typed and validated by (the private
 * `@limner/contracts` workspace, bundled into this package), for apps and tools that validate
 * input before sending it — the `limner` CLI checks `--size` with `ImageSize`.
 *
 * @module
 */
export * from "@limner/contracts";
