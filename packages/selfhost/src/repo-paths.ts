/** Where the repository is, for starting the runtime from its sources. @module */
import { fileURLToPath } from "node:url";

export const REPO_ROOT_DIR = fileURLToPath(new URL("../../..", import.meta.url));
