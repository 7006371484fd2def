/**
 * Builds `dist/main.js` for npm under plain `node`: the CLI's own modules in one file, with
 * `@limner/sdk`, `cli-progress` and `zod` left as the package's dependencies.
 */
import { defineConfig } from "tsdown";

export default defineConfig({
  entry: ["src/main.ts"],
  format: "esm",
  platform: "node",
  target: "node20",
  dts: false,
  // `.js`: the package is `type: module`, and bin/limner.js imports this name.
  fixedExtension: false,
  clean: true,
});
