/**
 * Grounding against the failures seen in the shipped upsampler's rewrites (issue 14) and, as a
 * property, on random prompts and random unrelated rewrites: whatever the model writes, the
 * served caption keeps every stated fact and reads back as the scene it describes.
 */
import { describe, expect, it } from "vitest";
import { parsePrompt } from "../../src/judge/prompt-parser";
import { BACKGROUNDS, COLOURS, SHAPES, SIZES, TEXTURES } from "../../src/judge/vocabulary";
import { type DescribedScene, describeScene } from "../../src/prompt-grounding/describe-scene";
import { groundCaption, keepsFacts } from "../../src/prompt-grounding/ground-caption";
import { readPromptFacts } from "../../src/prompt-grounding/prompt-facts";
import { SeededRandom } from "../../src/random/seeded-random";

function randomScene(random: SeededRandom): DescribedScene {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random.nextFloat() * xs.length)] as T;
  const cells = Array.from({ length: 9 }, (_, i) => i).sort(() => random.nextFloat() - 0.5);
  const n = 1 + Math.floor(random.nextFloat() * 4);
  return {
    background: pick(Object.keys(BACKGROUNDS) as (keyof typeof BACKGROUNDS)[]),
    objects: Array.from({ length: n }, (_, k) => ({
      shape: pick(SHAPES),
      colour: pick(Object.keys(COLOURS) as (keyof typeof COLOURS)[]),
      size: pick(SIZES),
      texture: pick(TEXTURES),
      row: Math.floor((cells[k] as number) / 3),
      column: (cells[k] as number) % 3,
    })),
    relations: [],
  };
}

describe("describeScene", () => {
  it("writes captions the world's parser reads back as the same scene", () => {
    const random = new SeededRandom(14);
    for (let i = 0; i < 300; i++) {
      const scene = randomScene(random);
      const parsed = parsePrompt(describeScene(scene, i));
      expect(parsed.background).toBe(scene.background);
      expect(parsed.count).toBe(scene.objects.length);
      expect(parsed.objects).toEqual(scene.objects);
    }
  });
});

describe("groundCaption", () => {
  it("keeps a rewrite that states everything the prompt does", () => {
    const rewrite =
      "one object on a black background . a large green striped heart is at the top left .";
    const facts = readPromptFacts("a large green striped heart on a black background");
    expect(groundCaption(facts, rewrite, 1)).toEqual({ text: rewrite, repair: "none" });
  });

  it.each([
    [
      "a large green striped heart on a black background",
      "on a white background there are two shapes . a large green striped heart is at the top . a small green checkered heart is at the bottom .",
    ],
    [
      "a blue dotted square to the left of an orange hexagon",
      "three objects on a cream background . a small blue dotted square is on the right . a large orange plain hexagon is at the top left . a small red star is in the centre .",
    ],
    [
      "a red star above a green circle",
      "two objects on a white background . a red star is at the bottom left . a green circle is at the top left . the red circle is to the right of the red star .",
    ],
  ])("repairs what contradicts %j", (prompt, rewrite) => {
    const facts = readPromptFacts(prompt);
    expect(keepsFacts(facts, parsePrompt(rewrite))).toBe(false);
    const grounded = groundCaption(facts, rewrite, 3);
    expect(grounded.repair).toBe("rewritten");
    expect(keepsFacts(facts, parsePrompt(grounded.text))).toBe(true);
  });

  it("drops only a false relation sentence when that is all that is wrong", () => {
    const objects =
      "two objects on a white background . a large brown heart with dots sits at the top centre . a small red hexagon with dots sits in the bottom right .";
    const grounded = groundCaption(
      readPromptFacts("a brown heart and a red hexagon"),
      `${objects} the brown hexagon is to the right of the red heart .`,
      2,
    );
    expect(grounded).toEqual({ text: objects, repair: "dropped-claims" });
  });

  it("keeps the model's details where the user was silent", () => {
    const rewrite =
      "two objects on a cream background . a small blue dotted square is on the right . a large orange checkered hexagon is at the top left .";
    const grounded = groundCaption(
      readPromptFacts("a blue square to the left of an orange hexagon"),
      rewrite,
      5,
    );
    const parsed = parsePrompt(grounded.text);
    expect(parsed.background).toBe("cream");
    expect(parsed.objects.map((o) => [o.size, o.texture])).toEqual([
      ["small", "dotted"],
      ["large", "checkered"],
    ]);
  });

  it("always serves a caption that keeps the prompt's facts, whatever the model wrote", () => {
    const random = new SeededRandom(15);
    for (let i = 0; i < 300; i++) {
      const scene = randomScene(random);
      const [first, second] = scene.objects;
      const relation =
        second && first && first.column < second.column ? " to the left of " : " and ";
      const names = scene.objects.map((o, k) =>
        k % 2 === 0 ? `a ${o.size} ${o.colour} ${o.shape}` : `a ${o.texture} ${o.shape}`,
      );
      const prompt = `${names[0]}${names.length > 1 ? relation : ""}${names.slice(1).join(" and ")} on a ${scene.background} background`;
      const unrelated = describeScene(randomScene(random), i);
      const facts = readPromptFacts(prompt);
      expect(facts.objects).toHaveLength(scene.objects.length);
      const grounded = groundCaption(facts, unrelated, i);
      expect(keepsFacts(facts, parsePrompt(grounded.text)), `${prompt} → ${grounded.text}`).toBe(
        true,
      );
    }
  });
});
