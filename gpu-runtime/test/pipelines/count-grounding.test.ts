import { describe, expect, it } from "vitest";
import {
  greedyDecode,
  logSoftmax,
  type NextTokenScorer,
} from "../../src/pipelines/caption-decoding";
import { groundCount, withCountGrounding } from "../../src/pipelines/count-grounding";

// Vocabulary of the tables below: 0 EOS, 1 "objects", 2 "one", 3 "two", 4 "three".
const NUMBER_IDS = [2, 3, 4];
const probabilities = (row: Float32Array) => Array.from(row, Math.exp);

describe("groundCount", () => {
  const logProbs = logSoftmax(Float32Array.from([0.1, 0.2, 2.0, 1.5, 0.3]));

  it("gives all number words' probability to the counted one before any number is said", () => {
    const grounded = probabilities(groundCount(logProbs, [1], NUMBER_IDS, 3));
    const before = probabilities(logProbs);
    expect(grounded[4]).toBeCloseTo((before[2] ?? 0) + (before[3] ?? 0) + (before[4] ?? 0), 6);
    expect(grounded[2]).toBe(0);
    expect(grounded[3]).toBe(0);
    // Other tokens keep their probabilities and the row still sums to one.
    expect(grounded[1]).toBeCloseTo(before[1] ?? 0, 6);
    expect(grounded.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it("leaves the row alone once a number word has been generated", () => {
    expect(groundCount(logProbs, [3, 1], NUMBER_IDS, 3)).toBe(logProbs);
  });

  it("clamps counts outside the number words' range", () => {
    expect(probabilities(groundCount(logProbs, [], NUMBER_IDS, 0))[2]).toBeGreaterThan(0.5);
    expect(probabilities(groundCount(logProbs, [], NUMBER_IDS, 9))[4]).toBeGreaterThan(0.5);
  });
});

describe("withCountGrounding", () => {
  // A decoder that insists on "one" as the count, then says "objects" and stops.
  const table: NextTokenScorer = async (sequences) =>
    sequences.map((sequence) => {
      const generated = sequence.slice(2);
      const logits =
        generated.length === 0
          ? [-5, -5, 3, 1, 0]
          : generated.length === 1
            ? [-5, 4, -5, -5, -5]
            : [4, -5, -5, -5, -5];
      return logSoftmax(Float32Array.from(logits));
    });

  it("makes greedy decoding say the grounded count where the decoder says another", async () => {
    const options = { prefix: [9, 8], eosId: 0, maxNewTokens: 5 };
    expect(await greedyDecode(table, options)).toEqual([2, 1]);
    const grounded = withCountGrounding(table, 2, NUMBER_IDS, 3);
    expect(await greedyDecode(grounded, options)).toEqual([4, 1]);
  });
});
