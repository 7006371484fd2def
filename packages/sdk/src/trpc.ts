/**
 * `@limner/sdk/trpc`: a tRPC client for the edge's `/trpc` router, typed end to end by the
 * router's own type, {@link EdgeRouter}, which this package ships (bundled from the edge's
 * declaration, `@limner/edge/router-types`; the SDK ships no server code). Inputs and outputs
 * are the contracts' types, so a wrong field is a compile error in any project that installs
 * the package.
 *
 * @example
 * import { createLimnerTRPCClient } from "@limner/sdk/trpc";
 * const trpc = createLimnerTRPCClient({ apiKey: "lmn_…" });
 * for await (const event of await trpc.generate.mutate({ prompt: "a red star" })) console.log(event.type);
 *
 * @module
 */

import type { EdgeRouter } from "@limner/edge/router-types";
import { createTRPCClient, httpBatchStreamLink, type TRPCClient } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";
import { DEFAULT_BASE_URL } from "./client";

export type { EdgeRouter };

export interface LimnerTRPCOptions {
  /** The edge's base URL, with or without `/v1` (default `http://127.0.0.1:8787/v1`). */
  baseURL?: string;
  /** An `lmn_…` API key: `/trpc` admits exactly what `/v1` admits. */
  apiKey: string;
  fetch?: typeof fetch;
}

/** A router without a data transformer: the edge's speaks plain JSON, as `/v1` does. */
type PlainJSONRouter = AnyTRPCRouter & {
  _def: { _config: { $types: { transformer: false } } };
};

export function createLimnerTRPCClient<TRouter extends PlainJSONRouter = EdgeRouter>(
  options: LimnerTRPCOptions,
): TRPCClient<TRouter> {
  const root = (options.baseURL ?? DEFAULT_BASE_URL).replace(/\/+$/, "").replace(/\/v1$/, "");
  return createTRPCClient<TRouter>({
    links: [
      // Streams a mutation's async iterable (`generate`'s events) as it is produced.
      // Typed for any plain-JSON router: TypeScript cannot resolve tRPC's transformer option
      // for a still-generic TRouter, and the link itself does not depend on the procedures.
      httpBatchStreamLink<PlainJSONRouter>({
        url: `${root}/trpc`,
        headers: { authorization: `Bearer ${options.apiKey}` },
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    ],
  });
}
