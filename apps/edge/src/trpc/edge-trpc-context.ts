/**
 * The context type of the edge's tRPC router: only the request. It has a file of its own, with
 * no imports, because the router's declaration names it — and `@limner/sdk/trpc` ships that
 * declaration to apps outside this repo (`scripts/router-types.ts`), which have no Hono or
 * Workers types. The Hono context is looked up by the request (`edge-trpc.ts`).
 *
 * @module
 */
export interface EdgeTRPCContext {
  readonly request: Request;
}
