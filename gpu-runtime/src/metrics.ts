/**
 * Prometheus metrics served at `/metrics`. Queue depth is what the Kubernetes autoscaler
 * scales on (infra/), so it is a gauge read at scrape time rather than a counter.
 *
 * @module
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface RuntimeMetrics {
  readonly registry: Registry;
  readonly requests: Counter<"procedure" | "outcome">;
  readonly batchSize: Histogram<"model">;
  readonly imageSeconds: Histogram<"model" | "bucket" | "decoder">;
  /** Denoising steps taken, per request: proves cancelled work stops. */
  readonly denoiseSteps: Counter<"model">;
}

export function createRuntimeMetrics(sources: {
  queueDepth: () => number;
  active: () => number;
}): RuntimeMetrics {
  const registry = new Registry();
  // Includes nodejs_eventloop_lag_seconds: the check that inference stays off the main thread.
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: "limner_queue_depth",
    help: "Requests waiting for a batch slot.",
    registers: [registry],
    collect() {
      this.set(sources.queueDepth());
    },
  });
  new Gauge({
    name: "limner_active_batches",
    help: "Batches running now.",
    registers: [registry],
    collect() {
      this.set(sources.active());
    },
  });
  return {
    registry,
    requests: new Counter({
      name: "limner_requests_total",
      help: "tRPC calls by procedure and outcome (ok or the tRPC error code).",
      labelNames: ["procedure", "outcome"],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: "limner_batch_size",
      help: "Requests per executed batch.",
      labelNames: ["model"],
      buckets: [1, 2, 4, 8, 16, 32],
      registers: [registry],
    }),
    denoiseSteps: new Counter({
      name: "limner_denoise_steps_total",
      help: "Denoising steps completed, counted once per request (its images step together).",
      labelNames: ["model"],
      registers: [registry],
    }),
    imageSeconds: new Histogram({
      name: "limner_image_seconds",
      help: "Wall time per generated image, from batch start to encoded image.",
      labelNames: ["model", "bucket", "decoder"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
  };
}
