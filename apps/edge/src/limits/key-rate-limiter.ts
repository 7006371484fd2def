/**
 * One Durable Object per API key (`idFromName(keyId)`) that admits or refuses each request.
 *
 * A Durable Object runs one event at a time, and {@link KeyRateLimiter.admit} decides and counts
 * without awaiting anything, so check-and-increment is atomic: 200 concurrent requests on one
 * key see 200 consecutive decisions and never over-admit. The window is written to the object's
 * storage after each admission without awaiting it — the output gate holds the answer until the
 * write is durable — so a restarted or evicted object resumes with the same counts.
 *
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import type { EdgeBindings } from "../config";
import {
  type AdmitRequest,
  type AdmitVerdict,
  admit,
  emptyWindow,
  type KeyWindow,
  restoreWindow,
} from "./sliding-window";

const STORAGE_KEY = "window";

export class KeyRateLimiter extends DurableObject<EdgeBindings> {
  #window: KeyWindow = emptyWindow();

  constructor(ctx: DurableObjectState, env: EdgeBindings) {
    super(ctx, env);
    // No event is delivered until the stored window is loaded.
    void ctx.blockConcurrencyWhile(async () => {
      this.#window = restoreWindow(await ctx.storage.get(STORAGE_KEY));
    });
  }

  /** Decides one request for this key and, when admitted, counts it. */
  admit(request: AdmitRequest): AdmitVerdict {
    const { verdict, next } = admit(this.#window, request, Date.now());
    this.#window = next;
    if (verdict.allowed) void this.ctx.storage.put(STORAGE_KEY, next);
    return verdict;
  }
}
