/**
 * The typed Limner client. Speaks the edge's OpenAI-compatible REST API; every response is
 * validated against the contracts, so a server that drifts from them fails loudly here.
 *
 * @module
 */
import type { z } from "zod";
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "./error";
import { Models } from "./resources/models";

export interface LimnerOptions {
  /** The edge's base URL including `/v1`, e.g. `http://127.0.0.1:8787/v1`. */
  baseURL: string;
  /** An `lmn_…` API key. */
  apiKey: string;
  /** Injectable for tests, proxies and runtimes without a global fetch. */
  fetch?: typeof fetch;
  /** Per-request timeout in milliseconds (default 10 minutes, as image generation can be slow). */
  timeout?: number;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

/**
 * @example
 * const limner = new Limner({ baseURL: "http://127.0.0.1:8787/v1", apiKey: "lmn_…" });
 * const { data } = await limner.models.list();
 */
export class Limner {
  readonly baseURL: string;
  readonly models: Models;
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;
  readonly #timeout: number;

  constructor({ baseURL, apiKey, fetch: fetchImpl, timeout = 600_000 }: LimnerOptions) {
    if (!apiKey) throw new Error("Limner: apiKey is required (an lmn_… key from your edge).");
    this.baseURL = baseURL.replace(/\/+$/, "");
    this.#apiKey = apiKey;
    this.#fetch = fetchImpl ?? globalThis.fetch.bind(globalThis);
    this.#timeout = timeout;
    this.models = new Models(this);
  }

  /** Sends one request and validates the JSON answer with `schema`. */
  async request<S extends z.ZodType>(
    method: "GET" | "POST" | "DELETE",
    path: string,
    schema: S,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<z.output<S>> {
    const timeout = AbortSignal.timeout(this.#timeout);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await this.#fetch(`${this.baseURL}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.#apiKey}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
      });
    } catch (error) {
      if (timeout.aborted) throw new APIConnectionTimeoutError();
      if (options.signal?.aborted) throw error;
      throw new APIConnectionError({ cause: error });
    }
    const payload: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      throw APIError.generate(response.status, payload, response.statusText, response.headers);
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      throw new APIError(
        response.status,
        undefined,
        `Unexpected response from ${path}: ${parsed.error.issues[0]?.message ?? "invalid body"}`,
        response.headers,
      );
    }
    return parsed.data;
  }
}
