import { describe, expect, it } from "vitest";
import { philox4x32 } from "../../src/random/philox";

describe("philox4x32", () => {
  // Random123's published known-answer vectors (tests/kat_vectors, "philox4x32 10").
  const vectors = [
    {
      counter: [0, 0, 0, 0],
      key: [0, 0],
      expected: [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
    },
    {
      counter: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      key: [0xffffffff, 0xffffffff],
      expected: [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
    },
    {
      counter: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      key: [0xa4093822, 0x299f31d0],
      expected: [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
    },
  ] as const;

  it.each(vectors)(
    "matches Random123's known answer for key $key",
    ({ counter, key, expected }) => {
      const out = new Uint32Array(4);
      philox4x32(counter[0], counter[1], counter[2], counter[3], key[0], key[1], out);
      expect(Array.from(out)).toEqual([...expected]);
    },
  );
});
