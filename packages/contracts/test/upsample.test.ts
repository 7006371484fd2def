import { describe, expect, expectTypeOf, it } from "vitest";
import { UpsampleRequest, UpsampleResponse, UpsampleStrategy } from "../src/index";

describe("UpsampleRequest", () => {
  it("accepts minimal and full requests", () => {
    expect(UpsampleRequest.parse({ prompt: "a cat" })).toEqual({ prompt: "a cat" });
    const full = { prompt: "a cat", style: "natural", model: "limner-mini" } as const;
    expect(UpsampleRequest.parse(full)).toEqual(full);
    expect(UpsampleRequest.parse({ prompt: "x".repeat(4000), style: "vivid" }).style).toBe("vivid");
  });

  it.each([
    {},
    { prompt: "" },
    { prompt: "x".repeat(4001) },
    { prompt: "p", style: "anime" },
    { prompt: "p", model: "" },
    { prompt: "p", upsample: true },
  ])("rejects %j", (body) => {
    expect(UpsampleRequest.safeParse(body).success).toBe(false);
  });
});

describe("UpsampleResponse", () => {
  it.each(UpsampleStrategy.options)("accepts strategy %s", (strategy) => {
    const body = { prompt: "a cat", revised_prompt: "A photo of a cat.", strategy };
    expect(UpsampleResponse.parse(body)).toEqual(body);
  });

  it("rejects other strategies", () => {
    expect(UpsampleStrategy.options).toEqual(["model", "llm", "off"]);
    expect(
      UpsampleResponse.safeParse({ prompt: "p", revised_prompt: "r", strategy: "gpt" }).success,
    ).toBe(false);
  });

  it("types", () => {
    expectTypeOf<UpsampleResponse["strategy"]>().toEqualTypeOf<"model" | "llm" | "off">();
    expectTypeOf<UpsampleRequest["style"]>().toEqualTypeOf<"vivid" | "natural" | undefined>();
  });
});
