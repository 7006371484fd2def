import { describe, expect, it } from "vitest";
import { IMAGE_STREAM_EVENT_TYPES, ImageGenerationStreamEvent } from "../src/index";

const IMAGE = {
  created_at: 1_700_000_000,
  size: "1024x1024",
  quality: "standard",
  background: "opaque",
  output_format: "png",
} as const;

describe("ImageGenerationStreamEvent", () => {
  it("parses every event by its type", () => {
    const events = [
      { type: "limner.queued", position: 0 },
      { type: "limner.progress", step: 1, total_steps: 6 },
      {
        type: "image_generation.partial_image",
        b64_json: "AAAA",
        partial_image_index: 1,
        ...IMAGE,
      },
      {
        type: "image_generation.completed",
        b64_json: "AAAA",
        revised_prompt: "a red star",
        ...IMAGE,
      },
    ];
    expect(events.map((e) => ImageGenerationStreamEvent.parse(e).type)).toEqual(
      Object.values(IMAGE_STREAM_EVENT_TYPES),
    );
  });

  it("rejects an unknown type and a progress event without its total", () => {
    expect(ImageGenerationStreamEvent.safeParse({ type: "limner.done" }).success).toBe(false);
    expect(ImageGenerationStreamEvent.safeParse({ type: "limner.progress", step: 1 }).success).toBe(
      false,
    );
  });
});
