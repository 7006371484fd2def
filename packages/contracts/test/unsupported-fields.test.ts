import { describe, expect, expectTypeOf, it } from "vitest";
import { UNSUPPORTED_IMAGE_FIELDS, type UnsupportedFields } from "../src/index";

describe("UNSUPPORTED_IMAGE_FIELDS", () => {
  it("lists the gpt-image-only fields, each with a reason", () => {
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
