/**
 * Compile-time proof that the edge and the SDK are bound to the runtime's and the contracts'
 * types. `npm test` runs `tsc --noEmit` over this file first: if a `@ts-expect-error` line
 * stopped being an error (the boundary lost its types), type checking fails.
 */
import type { ModelList, RuntimeHealth, RuntimeModel } from "@limner/contracts";
import type { RuntimeRouter } from "@limner/gpu-runtime/router";
import { Limner } from "@limner/sdk";
import { createTRPCClient, httpLink } from "@trpc/client";
import { describe, expectTypeOf, it } from "vitest";

const runtime = createTRPCClient<RuntimeRouter>({
  links: [httpLink({ url: "http://127.0.0.1:1/trpc" })],
});
const limner = new Limner({
  baseURL: "http://127.0.0.1:1/v1",
  apiKey: "lmn_typecheckonlytypecheckonly",
});

describe("types across the tRPC boundary", () => {
  it("gives the edge the runtime's exact output types", () => {
    expectTypeOf(runtime.models.query).returns.resolves.toEqualTypeOf<readonly RuntimeModel[]>();
    expectTypeOf(runtime.health.query).returns.resolves.toEqualTypeOf<RuntimeHealth>();
  });

  it("makes a wrong procedure or field a type error", () => {
    const typeOnly = () => {
      // @ts-expect-error — the runtime has no such procedure
      void runtime.modelz.query();
      // @ts-expect-error — health takes no input
      void runtime.health.query({ verbose: true });
      void runtime.models.query().then((models) => {
        // @ts-expect-error — RuntimeModel has `capabilities`, not `capability`
        void models[0]?.capability;
      });
    };
    expectTypeOf(typeOnly).toBeFunction();
  });

  it("types the SDK with the contracts", () => {
    expectTypeOf(limner.models.list).returns.resolves.toEqualTypeOf<ModelList>();
    // @ts-expect-error — apiKey is required
    expectTypeOf(() => new Limner({ baseURL: "http://x" })).toBeFunction();
  });
});
