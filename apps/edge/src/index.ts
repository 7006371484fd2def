/** Workers entry point. @module */
import { createApp } from "./app";

export default createApp();
