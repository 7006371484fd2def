/**
 * `limner.admin.keys`: API-key management for operators (`/admin/keys`, beside `/v1`),
 * authenticated with the client's `adminToken` instead of an API key.
 *
 * @module
 */
import {
  ApiKeyList,
  CreatedApiKey,
  type CreateKeyRequestInput,
  RevokedApiKey,
} from "@limner/contracts";
import { APIResource } from "../core/resource";
import type { RequestOptions, Transport } from "../core/transport";

export class Keys extends APIResource {
  /**
   * Mints a key; the answer's `key` is the secret, shown this once.
   *
   * @example
   * const { key } = await limner.admin.keys.create({ label: "my-app" });
   */
  create(body: CreateKeyRequestInput, options?: RequestOptions): Promise<CreatedApiKey> {
    return this._transport.json(
      { method: "POST", path: "/admin/keys", body, auth: "admin", root: true, ...options },
      CreatedApiKey,
    );
  }

  /** Every key, without secrets. */
  list(options?: RequestOptions): Promise<ApiKeyList> {
    return this._transport.json(
      { method: "GET", path: "/admin/keys", auth: "admin", root: true, ...options },
      ApiKeyList,
    );
  }

  /** Revokes a key (idempotent); an unknown id throws `NotFoundError`. */
  revoke(id: string, options?: RequestOptions): Promise<RevokedApiKey> {
    return this._transport.json(
      {
        method: "DELETE",
        path: `/admin/keys/${encodeURIComponent(id)}`,
        auth: "admin",
        root: true,
        ...options,
      },
      RevokedApiKey,
    );
  }
}

export class Admin extends APIResource {
  readonly keys: Keys;

  constructor(transport: Transport) {
    super(transport);
    this.keys = new Keys(transport);
  }
}
