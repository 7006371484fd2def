/**
 * The typed Limner client. Speaks the edge's OpenAI-compatible REST API plus Limner's
 * extensions; every request and response is typed by `@limner/contracts`, and every response
 * is validated against them, so a server that drifts from them fails loudly here.
 *
 * @module
 */
import { Transport } from "./core/transport";
import { Admin } from "./resources/admin";
import { Health } from "./resources/health";
import { Images } from "./resources/images";
import { Models } from "./resources/models";
import { Prompts } from "./resources/prompts";

interface CommonOptions {
  /** The edge's base URL including `/v1`. Default `http://127.0.0.1:8787/v1` (`npm start`). */
  baseURL?: string;
  /** Injectable for tests, proxies and runtimes without a global fetch (ollama-js's idea). */
  fetch?: typeof fetch;
  /** Per-attempt timeout in ms (default 10 minutes: generations on CPU can be slow). */
  timeout?: number;
  /**
   * Retries after the first attempt on connection errors, 408, 409, 429 and 5xx (default 2),
   * waiting as the server asks (`retry-after-ms`, `retry-after`) or with jittered backoff.
   */
  maxRetries?: number;
  /** Sent with every request. */
  defaultHeaders?: Record<string, string>;
}

/** An API key for `/v1`, an admin token for `admin.*`, or both; at least one. */
export type LimnerOptions = CommonOptions &
  (
    | { /** An `lmn_…` API key. */ apiKey: string; adminToken?: string | undefined }
    | { apiKey?: string | undefined /** The edge's admin token. */; adminToken: string }
  );

export const DEFAULT_BASE_URL = "http://127.0.0.1:8787/v1";

/**
 * @example
 * const limner = new Limner({ baseURL: "http://127.0.0.1:8787/v1", apiKey: "lmn_…" });
 * const { data } = await limner.images.generate({ prompt: "a red circle", response_format: "b64_json" });
 */
export class Limner {
  readonly baseURL: string;
  readonly images: Images;
  readonly prompts: Prompts;
  readonly models: Models;
  readonly admin: Admin;
  readonly health: Health;

  constructor(options: LimnerOptions) {
    if (!options.apiKey && !options.adminToken) {
      throw new Error("Limner: pass apiKey (an lmn_… key from your edge) or adminToken.");
    }
    const transport = new Transport({
      baseURL: options.baseURL ?? DEFAULT_BASE_URL,
      apiKey: options.apiKey,
      adminToken: options.adminToken,
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      timeout: options.timeout ?? 600_000,
      maxRetries: options.maxRetries ?? 2,
      defaultHeaders: options.defaultHeaders ?? {},
    });
    this.baseURL = transport.baseURL;
    this.images = new Images(transport);
    this.prompts = new Prompts(transport);
    this.models = new Models(transport);
    this.admin = new Admin(transport);
    this.health = new Health(transport);
  }
}
