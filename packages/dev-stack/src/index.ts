/** Starts and stops a local Limner (runtime + edge) for `npm start` and the e2e tests. @module */

export { MINIFLARE_API } from "./edge-paths";
export { writeReportSection } from "./report-section";
export { type RunningStack, randomApiKey, type StackOptions, startStack } from "./start-stack";
