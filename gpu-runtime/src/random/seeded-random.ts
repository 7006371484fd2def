/**
 * Seeded, platform-independent random numbers for everything stochastic in the runtime (initial
 * latents, ancestral/SDE noise), so the same seed gives the same image bytes on any CPU.
 *
 * Built on Philox4x32-10 (Salmon et al., SC 2011): the key is (seed, image index) and the counter
 * holds (block number, sub-stream). Image `i` of a request therefore draws from a stream that
 * depends only on `(seed, i)`, never on how many images were batched together or in what order:
 * `SeededRandom.forRequest(seed, i)` is the same generator whether the request asked for 1 image
 * or 8, and `new SeededRandom(seed)` is image 0.
 *
 * @example
 * ```ts
 * const latents = SeededRandom.forRequest(42, imageIndex).randn(4 * 128 * 128);
 * ```
 *
 * @module
 */
import { philox4x32 } from "./philox";

/** 2^-53: turns a 53-bit integer into a double in [0, 1) with every bit of the mantissa random. */
const INV_2_POW_53 = 1 / 9007199254740992;
const TWO_POW_26 = 67108864;
/** Key tweak for deriving fork sub-streams, so a derivation never equals a data block. */
const FORK_KEY_TWEAK = 0x85ebca6b;

function assertUint32(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${name} must be an integer in [0, 2^32), got ${value}`);
  }
}

export class SeededRandom {
  /** Philox key: (seed, image index within the request). */
  readonly #key0: number;
  readonly #key1: number;
  /** Sub-stream id, counter words 2–3; (0, 0) for a root stream, hashed for forks. */
  #stream0 = 0;
  #stream1 = 0;
  /** 64-bit block number, counter words 0–1. */
  #blockLo = 0;
  #blockHi = 0;
  readonly #block = new Uint32Array(4);
  #used = 4;
  /** Box–Muller yields normals in pairs; the second is kept for the next call. */
  #spareNormal: number | null = null;

  /** The stream for image `imageIndex` (default 0) of a request with this seed. */
  constructor(seed: number, imageIndex = 0) {
    assertUint32(seed, "seed");
    assertUint32(imageIndex, "imageIndex");
    this.#key0 = seed;
    this.#key1 = imageIndex;
  }

  /**
   * The stream for image `imageIndex` of a request seeded with `seed`. It depends only on those
   * two numbers, so a request's images are identical whether generated alone or batched.
   */
  static forRequest(seed: number, imageIndex: number): SeededRandom {
    return new SeededRandom(seed, imageIndex);
  }

  /**
   * An independent child stream, e.g. one for initial latents and one for per-step noise, so
   * adding draws to one use never shifts the other. Depends only on this stream's identity and
   * `streamId`, not on how many numbers have been drawn here.
   */
  fork(streamId: number): SeededRandom {
    assertUint32(streamId, "streamId");
    // Hash (parent sub-stream, streamId) with one Philox block under a tweaked key: a well-mixed
    // 64-bit sub-stream id that depends on the whole fork path (collisions ~2^-64).
    const out = new Uint32Array(4);
    philox4x32(
      this.#stream0,
      this.#stream1,
      streamId,
      0,
      this.#key0 ^ FORK_KEY_TWEAK,
      this.#key1,
      out,
    );
    const child = new SeededRandom(this.#key0, this.#key1);
    child.#stream0 = out[0] ?? 0;
    child.#stream1 = out[1] ?? 0;
    return child;
  }

  /** Uniform integer in [0, 2^32). */
  nextUint32(): number {
    if (this.#used === 4) {
      philox4x32(
        this.#blockLo,
        this.#blockHi,
        this.#stream0,
        this.#stream1,
        this.#key0,
        this.#key1,
        this.#block,
      );
      this.#blockLo = (this.#blockLo + 1) >>> 0;
      if (this.#blockLo === 0) this.#blockHi = (this.#blockHi + 1) >>> 0;
      this.#used = 0;
    }
    const value = this.#block[this.#used] ?? 0;
    this.#used++;
    return value;
  }

  /** Uniform double in [0, 1) with 53 random bits (27 + 26 from two words, as in MT19937's genrand_res53). */
  nextFloat(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * TWO_POW_26 + b) * INV_2_POW_53;
  }

  /**
   * Standard normal N(0, 1) by the Box–Muller transform (Box & Muller, 1958). The uniforms are
   * exact integer math; `Math.log`/`cos`/`sin` are V8's fdlibm ports, identical on every platform
   * Node runs on, and `randn` rounds to float32, which hides last-ulp differences elsewhere.
   */
  normal(): number {
    const spare = this.#spareNormal;
    if (spare !== null) {
      this.#spareNormal = null;
      return spare;
    }
    // u1 in (0, 1] so the logarithm is finite.
    const u1 = 1 - this.nextFloat();
    const u2 = this.nextFloat();
    const radius = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    this.#spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** `count` standard normals; the same values as `count` calls to `normal()`. */
  randn(count: number): Float32Array {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`count must be a non-negative integer, got ${count}`);
    }
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.normal();
    return out;
  }
}
