/**
 * The authority for one API key: one Durable Object per key, addressed by
 * `idFromName(sha256(key))`, that answers in a single call whether a `/v1` request may go
 * ahead — is the key valid, and is it within its limits. Auth and limit used to be a D1 lookup
 * followed by a call to a per-key limiter object; folding the lookup into the object that
 * every request of the key reaches anyway leaves the edge one round trip before its route.
 *
 * **The key's record.** D1 stays the source of truth (the admin API writes it). The object
 * reads the record on its first call and keeps it in memory; whatever changes a key in D1 calls
 * {@link KeyAuthority.forget} before answering, and the next call reads the record again. Every
 * request for the key, from every isolate and location, passes through this one object, so a
 * revocation takes effect on the very next request — which a per-isolate cache could not
 * promise. The read runs under `blockConcurrencyWhile`, so a `forget` cannot land between the
 * read and its use. Made-up keys never get here: the middleware asks
 * `keys/key-existence.ts` first, because an object that receives a call gets storage of its own.
 *
 * **The limits.** A Durable Object runs one event at a time, and once the record is in memory
 * a decision awaits nothing between checking and counting, so check-and-count is atomic: 200
 * concurrent requests on one key see 200 consecutive decisions and never over-admit. The window
 * is written to storage after each admission without awaiting it — the output gate holds the
 * answer until the write is durable — so a restarted or evicted object resumes with the same
 * counts.
 *
 * **Rows left running.** An admitted image request arms an alarm (if none is armed) for when
 * its generation is past any deadline; the alarm settles the key's rows still `running` by
 * then (`settleAbandoned`) and re-arms while any remain. So a generation whose edge died with
 * it — a crash, an eviction, a cancelled request — is settled even if the key is never used
 * again.
 *
 * **Last use.** The object sees every use of its key, so it records `last_used_at` at most once
 * a minute (`lastUseIsStale`) across the whole deployment, after answering.
 *
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import type { EdgeBindings } from "../config";
import {
  ABANDONED_AFTER_MS,
  oldestRunning,
  settleAbandoned,
} from "../generation/generation-records";
import {
  type AdmitVerdict,
  admit,
  emptyWindow,
  type KeyWindow,
  restoreWindow,
} from "../limits/sliding-window";
import {
  type AuthenticatedKey,
  type KeyLookup,
  lastUseIsStale,
  lookupKey,
  touchKey,
} from "./api-key-store";

const STORAGE_KEY = "window";
/** The key id the reconciling alarm works for (the object is addressed by the key's hash). */
const RECONCILE_KEY = "reconcile-key-id";

/** One request's ask of its key's authority. */
export interface AccessRequest {
  /** SHA-256 of the presented key (hex); the same hash the object is addressed by. */
  keyHash: string;
  /** Images the request produces; `null` when the endpoint produces none. */
  images: number | null;
  /** The deployment's limits, for a key without its own. */
  defaultLimits: { requestsPerMinute: number; imagesPerMinute: number };
}

export type AccessDecision =
  | { status: "unknown" }
  | { status: "revoked" }
  | { status: "active"; key: AuthenticatedKey; verdict: AdmitVerdict };

export class KeyAuthority extends DurableObject<EdgeBindings> {
  #window: KeyWindow = emptyWindow();
  /** An alarm is set (or being set) for the reconciler; kept in memory to skip the check. */
  #alarmArmed = false;
  /** The key's record as last read from D1; `undefined` until read, or after `forget`. */
  #record: Exclude<KeyLookup, { status: "unknown" }> | undefined;

  constructor(ctx: DurableObjectState, env: EdgeBindings) {
    super(ctx, env);
    // No event is delivered until the stored window is loaded.
    void ctx.blockConcurrencyWhile(async () => {
      this.#window = restoreWindow(await ctx.storage.get(STORAGE_KEY));
    });
  }

  /** Decides one request: the key's status and, for an active key, admits and counts it. */
  async decide({ keyHash, images, defaultLimits }: AccessRequest): Promise<AccessDecision> {
    const record = this.#record ?? (await this.#read(keyHash));
    if (record.status !== "active") return record;
    const { key } = record;
    const now = Date.now();
    const { verdict, next } = admit(
      this.#window,
      {
        requestsPerMinute: key.limits.requestsPerMinute ?? defaultLimits.requestsPerMinute,
        imagesPerMinute: key.limits.imagesPerMinute ?? defaultLimits.imagesPerMinute,
        images,
      },
      now,
    );
    this.#window = next;
    if (verdict.allowed) void this.ctx.storage.put(STORAGE_KEY, next);
    if (verdict.allowed && images !== null && !this.#alarmArmed) {
      this.#alarmArmed = true;
      this.ctx.waitUntil(this.#armReconciler(key.id, now + ABANDONED_AFTER_MS + 1_000));
    }
    if (lastUseIsStale(key.lastUsedAt, now)) {
      key.lastUsedAt = now;
      this.ctx.waitUntil(touchKey(this.env.DB, key.id, now));
    }
    return { status: "active", key, verdict };
  }

  /** Settles the key's abandoned rows; looks again while any row is still running. */
  override async alarm(): Promise<void> {
    this.#alarmArmed = false;
    const keyId = await this.ctx.storage.get<string>(RECONCILE_KEY);
    if (!keyId) return;
    await settleAbandoned(this.env.DB, keyId);
    const oldest = await oldestRunning(this.env.DB, keyId);
    if (oldest !== null) {
      this.#alarmArmed = true;
      await this.ctx.storage.setAlarm(Math.max(Date.now(), oldest) + ABANDONED_AFTER_MS + 1_000);
    }
  }

  async #armReconciler(keyId: string, at: number): Promise<void> {
    await this.ctx.storage.put(RECONCILE_KEY, keyId);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(at);
  }

  /** Drops the remembered record; the next decision reads the key from D1 again. */
  forget(): void {
    this.#record = undefined;
  }

  /** Reads the record with no other event in between (see the module comment). */
  #read(keyHash: string): Promise<KeyLookup> {
    return this.ctx.blockConcurrencyWhile(async () => {
      const found = await lookupKey(this.env.DB, keyHash);
      if (found.status !== "unknown") this.#record = found;
      return found;
    });
  }
}
