/**
 * Builds `dist/` for npm: ESM and bundled `.d.ts`. `@limner/contracts` is a private workspace
 * package, so its schemas and types are bundled in (the tarball must install outside this
 * repo), and so is the edge router's *type* (`@limner/edge/router-types`, a declaration the
 * edge's `build` emits; no edge code); `zod`, `eventsource-parser` and tRPC stay real
 * dependencies.
 */
import { defineConfig } from "tsdown";

export default defineConfig({
  entry: ["src/index.ts", "src/contracts.ts", "src/eval.ts", "src/trpc.ts"],
  format: "esm",
  platform: "neutral",
  target: "es2022",
  // Eager: the lazy mode cannot emit declarations for contracts, outside this tsconfig.
  dts: { eager: true },
  // The workspace link resolves to contracts' source, which is bundled like the SDK's own;
  // `node:` modules stay imports (only Node reaches the one that reads files).
  deps: { alwaysBundle: [/^@limner\/(contracts|edge)(\/|$)/], neverBundle: [/^node:/] },
  clean: true,
});
