/**
 * The Philox4x32-10 block function (Salmon, Moraes, Dror & Shaw, "Parallel Random Numbers: As
 * Easy as 1, 2, 3", SC 2011): a keyed bijection on 128-bit counters. Being counter-based, the
 * n-th block of a stream is computed directly, so a stream can be split or skipped without
 * replaying it, and the result does not depend on how work was batched.
 *
 * Only 32-bit integer math (`Math.imul`, `>>> 0`) is used, so every JS engine gives the same bits.
 *
 * @module
 */

/** Round multipliers and Weyl key increments, as in Random123's `philox.h`. */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const ROUNDS = 10;

/**
 * High 32 bits of the 64-bit product of two uint32s. `Math.imul` only yields the low half, and a
 * double cannot hold the full 64-bit product exactly, so the product is assembled from 16-bit
 * limbs, each partial product staying below 2^32.
 */
function mulHi(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const loLo = aLo * bLo;
  const loHi = aLo * bHi;
  const hiLo = aHi * bLo;
  const carry = ((loLo >>> 16) + (loHi & 0xffff) + (hiLo & 0xffff)) >>> 16;
  return (aHi * bHi + (loHi >>> 16) + (hiLo >>> 16) + carry) >>> 0;
}

/**
 * Encrypts the counter (c0..c3) under the key (k0, k1) and writes the four output words to `out`.
 * Verified against Random123's published known-answer vectors (see test/random/philox.test.ts).
 */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let x2 = c2 >>> 0;
  let x3 = c3 >>> 0;
  let key0 = k0 >>> 0;
  let key1 = k1 >>> 0;
  for (let round = 0; round < ROUNDS; round++) {
    // One Philox S-box round: two multiplies, then a word permutation mixing in the key.
    const hi0 = mulHi(M0, x0);
    const lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulHi(M1, x2);
    const lo1 = Math.imul(M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ key0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ key1) >>> 0;
    x3 = lo0;
    // Key schedule: a Weyl sequence bumped between rounds.
    key0 = (key0 + W0) >>> 0;
    key1 = (key1 + W1) >>> 0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}
