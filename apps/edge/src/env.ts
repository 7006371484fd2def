/** The Hono environment type shared by the edge's app, middleware and routes. @module */
import type { EdgeBindings } from "./config";
import type { AuthenticatedKey } from "./keys/api-key-store";
import type { RuntimePool } from "./runtime/runtime-pool";

export interface EdgeEnv {
  Bindings: EdgeBindings;
  Variables: {
    requestId: string;
    apiKey: AuthenticatedKey;
    runtimes: RuntimePool;
    /** Aborts when the client is gone (`middleware/client-signal`); use it, not `request.signal`. */
    signal: AbortSignal;
  };
}
