import { describe, expect, expectTypeOf, it } from "vitest";
import {
  UNSUPPORTED_GPT_IMAGE_FIELDS,
  UNSUPPORTED_IMAGE_FIELDS,
  type UnsupportedFields,
} from "../src/index";

describe("UNSUPPORTED_IMAGE_FIELDS (the dall-e-3 surface)", () => {
  it("lists the gpt-image-only and edit fields, each with a reason", () => {
    expect(Object.keys(UNSUPPORTED_IMAGE_FIELDS).sort()).toEqual(
      [
        "background",
        "image",
        "input_fidelity",
        "mask",
        "moderation",
        "output_compression",
        "partial_images",
      ].sort(),
    );
    for (const reason of Object.values(UNSUPPORTED_IMAGE_FIELDS)) {
      expect(reason.length).toBeGreaterThan(10);
    }
  });

  it("is frozen and fits the option type", () => {
    expect(Object.isFrozen(UNSUPPORTED_IMAGE_FIELDS)).toBe(true);
    expectTypeOf(UNSUPPORTED_IMAGE_FIELDS).toExtend<UnsupportedFields>();
  });
});

describe("UNSUPPORTED_GPT_IMAGE_FIELDS (the gpt-image surface)", () => {
  it("lists dall-e-3's fields, GIF/SVG/planning fields and the edit fields, each with a reason", () => {
    expect(Object.keys(UNSUPPORTED_GPT_IMAGE_FIELDS).sort()).toEqual(
      [
        "complexity",
        "frame_count",
        "frame_duration_ms",
        "image",
        "input_fidelity",
        "mask",
        "response_format",
        "style",
        "svg",
      ].sort(),
    );
    for (const reason of Object.values(UNSUPPORTED_GPT_IMAGE_FIELDS)) {
      expect(reason.length).toBeGreaterThan(10);
    }
    expect(Object.isFrozen(UNSUPPORTED_GPT_IMAGE_FIELDS)).toBe(true);
  });
});
