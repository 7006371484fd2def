/**
 * The edge's `/trpc` router through `@limner/sdk/trpc` against a real stack: the same handlers,
 * key checks and limits as `/v1`, with `generate` streaming the contracts' events.
 */
import type { EdgeRouter } from "@limner/edge/trpc";
import { createLimnerTRPCClient } from "@limner/sdk/trpc";
import { TRPCClientError } from "@trpc/client";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "./test-stack";

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack(["tiny-limner", "limner-mini"], {
    edgeVars: { LIMNER_DEFAULT_MODEL: "tiny-limner", LIMIT_REQUESTS_PER_MINUTE: "1000" },
  });
});

afterAll(async () => {
  await stack?.stop();
});

const client = (apiKey = stack.apiKey) =>
  createLimnerTRPCClient<EdgeRouter>({ baseURL: `${stack.edgeUrl}/v1`, apiKey });

describe("/trpc through @limner/sdk/trpc", () => {
  it("lists models and upsamples as /v1 does", async () => {
    const trpc = client();
    const models = await trpc.models.query();
    expect(models.data.map((m) => m.id)).toEqual(
      expect.arrayContaining(["tiny-limner", "limner-mini"]),
    );
    const viaRest = await fetch(`${stack.edgeUrl}/v1/prompts/upsample`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ prompt: "a red star" }),
    }).then((r) => r.json());
    expect(await trpc.upsample.mutate({ prompt: "a red star" })).toEqual(viaRest);
  });

  it("streams a generation's events and captions the image", { timeout: 120_000 }, async () => {
    const trpc = client();
    const events = [];
    const stream = await trpc.generate.mutate({
      prompt: "a red star",
      steps: 3,
      seed: 4,
      response_format: "b64_json",
    });
    for await (const event of stream) events.push(event);
    expect(events[0]?.type).toBe("limner.queued");
    expect(events.filter((e) => e.type === "limner.progress")).toHaveLength(3);
    const completed = events.at(-1);
    if (completed?.type !== "image_generation.completed") throw new Error("no image");
    const png = Buffer.from(completed.b64_json ?? "", "base64");
    expect((await sharp(png).metadata()).format).toBe("png");
    const caption = await trpc.caption.mutate({
      image: png.toString("base64"),
      model: "limner-mini",
      detail: "short",
    });
    expect(caption).toMatchObject({ detail: "short", model: "limner-mini" });
    expect(caption.caption.length).toBeGreaterThan(0);
  });

  it("refuses a bad key and a bad field like /v1", async () => {
    const refused = await client("lmn_wrongwrongwrongwrong")
      .models.query()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect((refused as TRPCClientError<EdgeRouter>).meta?.response).toMatchObject({ status: 401 });

    const invalid = await client()
      .upsample.mutate({ prompt: "" })
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(TRPCClientError);
    expect((invalid as TRPCClientError<EdgeRouter>).data?.code).toBe("BAD_REQUEST");
  });
});
