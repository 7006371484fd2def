/**
 * Compile-time proof that `@limner/sdk/trpc` is typed end to end by the edge's router: `tsc
 * --noEmit` over this file fails if a `@ts-expect-error` line stops being an error. Importing
 * the router's type compiles the edge's source, so this folder has its own tsconfig with the
 * Workers types (checked by the `tests` workspace's `typecheck` script).
 */
import type { EdgeRouter } from "@limner/edge/trpc";
import type {
  CaptionResponse,
  ImageGenerationStreamEvent,
  ModelList,
  ScoreResponse,
  UpsampleResponse,
} from "@limner/sdk";
import { createLimnerTRPCClient } from "@limner/sdk/trpc";
import { describe, expectTypeOf, it } from "vitest";

const trpc = createLimnerTRPCClient<EdgeRouter>({
  baseURL: "http://127.0.0.1:1/v1",
  apiKey: "lmn_typecheckonlytypecheckonly",
});

describe("types across the edge's tRPC router", () => {
  it("gives the client the contracts' types", () => {
    expectTypeOf(trpc.models.query).returns.resolves.toEqualTypeOf<ModelList>();
    expectTypeOf(trpc.upsample.mutate).returns.resolves.toEqualTypeOf<UpsampleResponse>();
    expectTypeOf(trpc.caption.mutate).returns.resolves.toEqualTypeOf<CaptionResponse>();
    expectTypeOf(trpc.score.mutate).returns.resolves.toEqualTypeOf<ScoreResponse>();
    expectTypeOf(trpc.generate.mutate).returns.resolves.toExtend<
      AsyncIterable<ImageGenerationStreamEvent>
    >();
  });

  it("makes a wrong field a compile error", () => {
    const typeOnly = async () => {
      // @ts-expect-error — `size` must be one of the contracts' ImageSize values
      await trpc.generate.mutate({ prompt: "x", size: "512x512" });
      // @ts-expect-error — UpsampleRequest has no `temperature`
      await trpc.upsample.mutate({ prompt: "x", temperature: 1 });
      // @ts-expect-error — the router has no such procedure
      await trpc.modelz.query();
      // @ts-expect-error — ScoreRequest needs the prompt to score against
      await trpc.score.mutate({ image: "iVBORw0KGgo=" });
      for await (const event of await trpc.generate.mutate({ prompt: "x" })) {
        // @ts-expect-error — progress events carry `total_steps`, not `totalSteps`
        if (event.type === "limner.progress") void event.totalSteps;
      }
    };
    expectTypeOf(typeOnly).toBeFunction();
  });
});
