/** Starts and stops a local Limner (runtime + edge) for `npm start` and the e2e tests. @module */

export { EDGE_DIR, MINIFLARE_API, WRANGLER_BIN } from "./edge-paths";
export { type FrontProxy, HEADERS_TIMEOUT_MS, startFrontProxy } from "./front-proxy";
export { writeReportSection } from "./report-section";
export { type RunningStack, randomApiKey, type StackOptions, startStack } from "./start-stack";
export { SupervisedRuntime } from "./supervised-runtime";
