/** Workers entry point: the app, and the Durable Object classes wrangler binds. @module */
import { createApp } from "./app";

export { KeyRateLimiter } from "./limits/key-rate-limiter";

export default createApp();
