import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "e2e/**/*.test.ts",
      "faults/**/*.test.ts",
      "infra/**/*.test.ts",
      "types/**/*.test.ts",
    ],
    // Each e2e file starts its own runtime + workerd; on 2 cores they run one at a time.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
