/**
 * A runtime's health report, read by the edge's pool and by Kubernetes readiness probes.
 *
 * @module
 */
import { z } from "zod";

/**
 * Lifecycle of a runtime: `STARTING` (loading models), `READY` (idle), `BUSY` (working, still
 * accepting), `DRAINING` (finishing its queue before shutdown; the edge sends it nothing new).
 */
export const RuntimeStatus = z.enum(["STARTING", "READY", "BUSY", "DRAINING"]);
/** One of the {@link RuntimeStatus} values. */
export type RuntimeStatus = z.infer<typeof RuntimeStatus>;

/**
 * The runtime's `health` procedure result. `queue_depth` is what the edge balances on (least
 * outstanding work) and what the autoscaler scales on.
 */
export const RuntimeHealth = z.object({
  status: RuntimeStatus,
  version: z.string(),
  uptime_s: z.number().nonnegative(),
  queue_depth: z.int().nonnegative(),
  models: z.array(z.string()),
});
/** The parsed shape of {@link RuntimeHealth}. */
export type RuntimeHealth = z.infer<typeof RuntimeHealth>;

/**
 * The edge's `GET /readyz`: `ready` (200) when a runtime could serve a generation now,
 * `not_ready` (503) otherwise, with the runtime's own report.
 */
export const EdgeReadiness = z.object({
  status: z.enum(["ready", "not_ready"]),
  runtime: RuntimeHealth,
});
/** The parsed shape of {@link EdgeReadiness}. */
export type EdgeReadiness = z.infer<typeof EdgeReadiness>;
