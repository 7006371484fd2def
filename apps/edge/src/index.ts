/** Workers entry point: the app, and the Durable Object classes wrangler binds. @module */
import { createApp } from "./app";

export { KeyAuthority } from "./keys/key-authority";

export default createApp();
