/**
 * What this isolate knows of each runtime's readiness, from the runtime's public `health`
 * procedure: `ready` (READY or BUSY, with the ids of its loaded models), `not_ready` (it
 * answered STARTING or DRAINING) or `unknown` (the probe failed or timed out).
 *
 * A view is fresh for {@link READINESS_TTL_MS}. A stale one is re-probed by the next call that
 * needs it; calls arriving while that probe runs use the stale view rather than probing again
 * (the pool's failover covers a view that turns out wrong). Probes are never shared between
 * requests as promises: workerd forbids one request awaiting another's I/O.
 *
 * @module
 */
import type { RuntimeClient } from "./runtime-client";

export type ReadinessView =
  | { state: "ready"; models: readonly string[] }
  | { state: "not_ready" | "unknown"; models: readonly string[] };

/** How long a probe's answer is trusted. */
export const READINESS_TTL_MS = 1_000;
/** A probe slower than this counts as failed (`unknown`). */
const PROBE_TIMEOUT_MS = 3_000;

interface Entry {
  view: ReadinessView;
  at: number;
  probingSince: number | undefined;
}

export class RuntimeReadiness {
  readonly #entries = new Map<string, Entry>();

  /** Drops what is known of `url`: its next call probes again. */
  forget(url: string): void {
    this.#entries.delete(url);
  }

  /** The current view of each of `urls`, probing those without a fresh one. */
  views(urls: readonly string[], client: (url: string) => RuntimeClient): Promise<ReadinessView[]> {
    const now = Date.now();
    return Promise.all(
      urls.map((url) => {
        const entry = this.#entries.get(url);
        if (entry && now - entry.at < READINESS_TTL_MS) return entry.view;
        const probing =
          entry?.probingSince !== undefined && now - entry.probingSince < PROBE_TIMEOUT_MS;
        if (entry && probing) return entry.view;
        return this.#probe(url, client(url), entry);
      }),
    );
  }

  async #probe(
    url: string,
    client: RuntimeClient,
    entry: Entry | undefined,
  ): Promise<ReadinessView> {
    if (entry) entry.probingSince = Date.now();
    let view: ReadinessView;
    try {
      const health = await client.health.query(undefined, {
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      const ready = health.status === "READY" || health.status === "BUSY";
      view = { state: ready ? "ready" : "not_ready", models: health.models };
    } catch {
      view = { state: "unknown", models: [] };
    }
    this.#entries.set(url, { view, at: Date.now(), probingSince: undefined });
    return view;
  }
}
