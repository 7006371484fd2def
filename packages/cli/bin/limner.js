#!/usr/bin/env node
// The package ships the built CLI (`dist/`). In a checkout of the repository nothing is built
// until `npm run build`, so say that instead of printing Node's module-resolution trace.
try {
  await import("../dist/main.js");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("/dist/")) {
    throw error;
  }
  process.stderr.write("limner: not built yet; run `npm run build` in the repository first.\n");
  process.exitCode = 1;
}
