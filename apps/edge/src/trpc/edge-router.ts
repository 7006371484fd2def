/**
 * The edge's tRPC router (`/trpc`), sharing the REST routes' handlers; its *type* is the
 * contract `@limner/sdk/trpc` clients compile against (`import type { EdgeRouter }`).
 * `generate` is a streamed mutation: it yields the same `ImageGenerationStreamEvent`s as the
 * SSE stream of `POST /v1/images/generations` (use `httpBatchStreamLink`).
 *
 * @module
 */
import {
  CaptionRequest,
  ImageGenerationRequest,
  type ImageGenerationStreamEvent,
  ScoreRequest,
  UpsampleRequest,
} from "@limner/contracts";
import { base64ToBytes } from "../base64";
import { streamGeneration } from "../generation/stream-generation";
import { captionImage } from "../routes/captions";
import { generationContext } from "../routes/images";
import { modelList } from "../routes/models";
import { upsampleRequest } from "../routes/prompts";
import { scoreImage } from "../routes/scores";
import { resolveModel } from "../runtime/resolve-model";
import { edgeProcedure, router } from "./edge-trpc";

export const edgeRouter = router({
  models: edgeProcedure.query(({ ctx }) => modelList(ctx.c)),
  upsample: edgeProcedure
    .input(UpsampleRequest)
    .mutation(({ ctx, input }) => upsampleRequest(ctx.c, input)),
  caption: edgeProcedure
    .input(CaptionRequest)
    .mutation(({ ctx, input }) =>
      captionImage(ctx.c, base64ToBytes(input.image), input.detail, input.model),
    ),
  score: edgeProcedure
    .input(ScoreRequest)
    .mutation(({ ctx, input }) =>
      scoreImage(ctx.c, base64ToBytes(input.image), input.prompt, input.model),
    ),
  generate: edgeProcedure.input(ImageGenerationRequest).mutation(async function* ({
    ctx,
    input,
  }): AsyncGenerator<ImageGenerationStreamEvent> {
    const model = await resolveModel(ctx.c, input.model, "generate");
    // The generation pushes events; the stream pulls them: a queue between the two.
    const queue: ImageGenerationStreamEvent[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    let failure: unknown;
    const generation = streamGeneration(generationContext(ctx.c), input, model, (event) => {
      queue.push(event);
      wake?.();
    }).then(
      () => {
        finished = true;
        wake?.();
      },
      (error: unknown) => {
        failure = error;
        finished = true;
        wake?.();
      },
    );
    for (;;) {
      const event = queue.shift();
      if (event) {
        yield event;
        continue;
      }
      if (finished) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    await generation;
    if (failure !== undefined) throw failure;
  }),
});

/** The router's type: the only thing clients import from the edge. */
export type EdgeRouter = typeof edgeRouter;
