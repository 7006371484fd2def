import { describe, expect, expectTypeOf, it } from "vitest";
import {
  CaptionDetail,
  CaptionRequest,
  type CaptionRequestInput,
  CaptionResponse,
} from "../src/index";

const PNG_B64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==";

describe("CaptionRequest", () => {
  it("defaults to the descriptive captioner", () => {
    expect(CaptionRequest.parse({ image: PNG_B64 })).toEqual({
      image: PNG_B64,
      detail: "descriptive",
    });
  });

  it("accepts a data URL, each detail and a model", () => {
    const full = {
      image: `data:image/png;base64,${PNG_B64}`,
      detail: "short",
      model: "m",
    } as const;
    expect(CaptionRequest.parse(full)).toEqual(full);
    for (const detail of CaptionDetail.options) {
      expect(CaptionRequest.safeParse({ image: PNG_B64, detail }).success).toBe(true);
    }
  });

  it.each([
    { image: "" },
    { image: "not base64!" },
    { image: "https://example.com/cat.png" },
    { image: "data:text/plain;base64,aGk=" },
    { image: PNG_B64, detail: "long" },
    { image: PNG_B64, model: "" },
    { image: PNG_B64, extra: 1 },
    {},
  ])("rejects %j", (body) => {
    expect(CaptionRequest.safeParse(body).success).toBe(false);
  });
});

describe("CaptionResponse", () => {
  it("parses a caption", () => {
    const body = { caption: "a red square", detail: "short", model: "limner-mini" };
    expect(CaptionResponse.parse(body)).toEqual(body);
    expect(CaptionResponse.safeParse({ ...body, detail: "long" }).success).toBe(false);
  });

  it("types", () => {
    expectTypeOf<CaptionRequestInput["detail"]>().toEqualTypeOf<
      "short" | "descriptive" | undefined
    >();
    expectTypeOf<CaptionRequest["detail"]>().toEqualTypeOf<"short" | "descriptive">();
    expectTypeOf<CaptionResponse>().toEqualTypeOf<{
      caption: string;
      detail: "short" | "descriptive";
      model: string;
    }>();
  });
});
