/**
 * The one place the SDK touches the network: builds each request, retries it (see `retry.ts`),
 * applies the per-attempt timeout and the caller's `AbortSignal`, and turns failures into the
 * error classes of `error.ts`. One request id is chosen per call and sent as `x-request-id` on
 * every attempt (the edge keeps a well-formed client id), so the server's logs and records show
 * one request however many times the network made the SDK send it.
 *
 * @module
 */
import type { z } from "zod";
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  LimnerError,
} from "./error";
import { retryDelayMs, shouldRetry, sleep } from "./retry";

export interface RequestOptions {
  /** Cancels the call (and its retries); the call then rejects with `APIUserAbortError`. */
  signal?: AbortSignal | undefined;
  /** Per-attempt timeout in ms; overrides the client's. */
  timeout?: number | undefined;
  /** Retries after the first attempt; overrides the client's. */
  maxRetries?: number | undefined;
  /** Extra headers for this call. */
  headers?: Record<string, string> | undefined;
  /** Sent as `x-request-id` on every attempt; one is generated when absent. */
  requestId?: string | undefined;
}

export interface TransportOptions {
  baseURL: string;
  apiKey: string | undefined;
  adminToken: string | undefined;
  fetch: typeof fetch;
  timeout: number;
  maxRetries: number;
  defaultHeaders: Record<string, string>;
}

export interface Call extends RequestOptions {
  method: "GET" | "POST" | "DELETE";
  /** Relative to the base URL (`/images/generations`), or to the edge's root with `root`. */
  path: string;
  /** For routes beside `/v1` rather than under it (`/admin/keys`, `/readyz`). */
  root?: boolean;
  /** JSON-encoded unless it is `FormData`. */
  body?: unknown;
  /** Which credential the route wants. */
  auth?: "apiKey" | "admin" | "none";
  /** Whether the body is a server-sent event stream. */
  stream?: boolean;
}

export class Transport {
  readonly baseURL: string;
  readonly #options: TransportOptions;

  constructor(options: TransportOptions) {
    this.#options = options;
    this.baseURL = options.baseURL.replace(/\/+$/, "");
  }

  /** Sends `call` and validates its JSON answer with `schema`. */
  async json<S extends z.ZodType>(call: Call, schema: S): Promise<z.output<S>> {
    const response = await this.send(call);
    const payload: unknown = await response.json().catch(() => undefined);
    // An abort while the body was downloading ends the read; report it as the abort it was.
    if (call.signal?.aborted) throw new APIUserAbortError();
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new APIError(
        response.status,
        undefined,
        `Unexpected response from ${call.path}: ${issue?.path.join(".") ?? ""} ${issue?.message ?? "invalid body"}`,
        response.headers,
      );
    }
    return parsed.data;
  }

  /** Sends `call`, retrying as allowed, and answers the first successful response. */
  async send(call: Call): Promise<Response> {
    const maxRetries = call.maxRetries ?? this.#options.maxRetries;
    const headers = this.#headers(call, call.requestId ?? `req_${crypto.randomUUID()}`);
    for (let retriesDone = 0; ; retriesDone++) {
      const canRetry = retriesDone < maxRetries;
      let response: Response;
      try {
        response = await this.#attempt(call, headers);
      } catch (error) {
        if (error instanceof APIUserAbortError || !canRetry) throw error;
        await this.#wait(retriesDone, undefined, call.signal);
        continue;
      }
      if (response.ok) return response;
      if (canRetry && shouldRetry(response.status, response.headers)) {
        // The body is not needed: release the connection before waiting.
        await response.body?.cancel().catch(() => {});
        await this.#wait(retriesDone, response.headers, call.signal);
        continue;
      }
      const payload: unknown = await response.json().catch(() => undefined);
      throw APIError.generate(response.status, payload, response.statusText, response.headers);
    }
  }

  async #wait(retriesDone: number, headers: Headers | undefined, signal?: AbortSignal) {
    try {
      await sleep(retryDelayMs(retriesDone, headers), signal);
    } catch {
      throw new APIUserAbortError();
    }
  }

  async #attempt(call: Call, headers: Record<string, string>): Promise<Response> {
    if (call.signal?.aborted) throw new APIUserAbortError();
    const timeout = AbortSignal.timeout(call.timeout ?? this.#options.timeout);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    try {
      return await this.#options.fetch(this.#url(call), {
        method: call.method,
        headers,
        ...this.#body(call.body),
        signal,
      });
    } catch (error) {
      if (call.signal?.aborted) throw new APIUserAbortError();
      if (timeout.aborted) throw new APIConnectionTimeoutError();
      throw new APIConnectionError({ cause: error });
    }
  }

  #url(call: Call): string {
    return `${call.root ? this.baseURL.replace(/\/v1$/, "") : this.baseURL}${call.path}`;
  }

  #headers(call: Call, requestId: string): Record<string, string> {
    const auth = call.auth ?? "apiKey";
    const credential = auth === "admin" ? this.#options.adminToken : this.#options.apiKey;
    if (auth !== "none" && !credential) {
      throw new LimnerError(
        auth === "admin"
          ? "This call needs the edge's admin token: pass `adminToken` to the client."
          : "This call needs an API key: pass `apiKey` (an lmn_… key) to the client.",
      );
    }
    return {
      accept: call.stream ? "text/event-stream" : "application/json",
      ...(call.body === undefined || call.body instanceof FormData
        ? {}
        : { "content-type": "application/json" }),
      ...(auth === "none" ? {} : { authorization: `Bearer ${credential}` }),
      "x-request-id": requestId,
      ...this.#options.defaultHeaders,
      ...call.headers,
    };
  }

  #body(body: unknown): { body?: BodyInit } {
    if (body === undefined) return {};
    if (body instanceof FormData) return { body };
    return { body: JSON.stringify(body) };
  }
}
