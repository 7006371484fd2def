/**
 * What the tRPC procedures may use. Kept to plain types (no Node APIs) because the edge
 * type-checks `router.ts` and everything it imports under the Workers type environment.
 *
 * @module
 */
import type { RuntimeModel, RuntimeStatus } from "@limner/contracts";

export interface ModelCatalog {
  /** Every model this runtime can serve, in a stable order. */
  list(): readonly RuntimeModel[];
}

export interface RuntimeServices {
  readonly version: string;
  readonly startedAt: number;
  readonly models: ModelCatalog;
  status(): RuntimeStatus;
  queueDepth(): number;
}

/** Per-call context built by the HTTP layer from the incoming request. */
export interface RuntimeContext {
  readonly services: RuntimeServices;
  /** True when the caller presented the edge's service token. */
  readonly isEdge: boolean;
}
