/**
 * What the tRPC procedures may use. Kept to plain types (no Node APIs) because the edge
 * type-checks `router.ts` and everything it imports under the Workers type environment. The
 * implementations (in `runtime-services.ts`) throw `TRPCError`s, so the router stays thin.
 *
 * @module
 */
import type {
  EditEvent,
  EditInput,
  EditResult,
  GenerateEvent,
  GenerateInput,
  GenerateResult,
  RuntimeCaptionInput,
  RuntimeCaptionResult,
  RuntimeModel,
  RuntimeScoreInput,
  RuntimeScoreResult,
  RuntimeStatus,
  RuntimeUpsampleInput,
  RuntimeUpsampleResult,
} from "@limner/contracts";

export interface CallOptions {
  signal?: AbortSignal;
}

export interface RuntimeServices {
  readonly version: string;
  readonly startedAt: number;
  models(): readonly RuntimeModel[];
  status(): RuntimeStatus;
  queueDepth(): number;
  generate(
    input: GenerateInput,
    options: CallOptions & { onEvent(event: GenerateEvent): void },
  ): Promise<GenerateResult>;
  edit(
    input: EditInput,
    options: CallOptions & { onEvent(event: EditEvent): void },
  ): Promise<EditResult>;
  caption(input: RuntimeCaptionInput, options: CallOptions): Promise<RuntimeCaptionResult>;
  upsample(input: RuntimeUpsampleInput, options: CallOptions): Promise<RuntimeUpsampleResult>;
  score(input: RuntimeScoreInput, options: CallOptions): Promise<RuntimeScoreResult>;
}

/** Per-call context built by the HTTP layer from the incoming request. */
export interface RuntimeContext {
  readonly services: RuntimeServices;
  /** True when the caller presented the edge's service token. */
  readonly isEdge: boolean;
}
