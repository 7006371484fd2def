// Worker thread entry point. The worker itself is TypeScript: register tsx's ESM hooks first,
// then import it. (On Node 20, hooks given as `execArgv: ["--import", "tsx"]` are not applied
// to a worker's own entry module, which fails with "Unknown file extension .ts".) tsx resolves
// from this file's package, so this works under `node --import tsx`, `tsx` and vitest alike.
import { register } from "tsx/esm/api";

register();
await import("./inference-worker.ts");
