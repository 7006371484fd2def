import { describe, expect, it } from "vitest";
import {
  type AdmitRequest,
  admit,
  emptyWindow,
  type KeyWindow,
  restoreWindow,
  waitMs,
} from "../src/limits/sliding-window";

const T0 = 1_700_000_000_000; // a whole second
const limits = (images: number | null = null): AdmitRequest => ({
  requestsPerMinute: 3,
  imagesPerMinute: 4,
  images,
});

function run(times: number[], request = limits()) {
  let window: KeyWindow = emptyWindow();
  return times.map((t) => {
    const { verdict, next } = admit(window, request, t);
    window = next;
    return verdict;
  });
}

describe("admit", () => {
  it("admits up to the limit and counts down remaining", () => {
    const verdicts = run([T0, T0 + 10, T0 + 20, T0 + 30]);
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false]);
    expect(verdicts.map((v) => v.requests.remaining)).toEqual([2, 1, 0, 0]);
    expect(verdicts[3]).toMatchObject({ exceeded: "requests", used: 3, requested: 1 });
  });

  it("frees a slot 60 s after its bucket's last admission (60–61 s after use), never sooner", () => {
    // Three requests in second T0; a fourth is refused until that bucket leaves the window.
    const verdicts = run([T0 + 500, T0 + 600, T0 + 700, T0 + 60_699, T0 + 60_700]);
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false, true]);
    expect(verdicts[3]?.retryAfterMs).toBe(1);
  });

  it("never asks a request that can pass to wait 60 s or more after a burst", () => {
    // The burst that made stock clients give up on the hint: the limit used up, then refused
    // at once. The wait is bounded by the window, not by the window plus a bucket.
    for (const offset of [0, 1, 500, 999]) {
      const verdicts = run([T0 + offset, T0 + offset, T0 + offset, T0 + offset]);
      expect(verdicts[3]?.allowed).toBe(false);
      expect(verdicts[3]?.retryAfterMs).toBeLessThanOrEqual(60_000);
      const later = run([T0 + offset, T0 + offset, T0 + offset, T0 + offset + 1]);
      expect(later[3]?.retryAfterMs).toBeLessThan(60_000);
    }
  });

  it("admits a retry that waits exactly as long as it was told", () => {
    let window: KeyWindow = emptyWindow();
    for (const t of [T0 + 100, T0 + 400, T0 + 900]) window = admit(window, limits(), t).next;
    const refused = admit(window, limits(), T0 + 950).verdict;
    const wait = refused.retryAfterMs ?? Number.NaN;
    // One bucket: it is freed a window after its last admission (T0 + 900).
    expect(wait).toBe(900 + 60_000 - 950);
    expect(admit(window, limits(), T0 + 950 + wait - 1).verdict.allowed).toBe(false);
    expect(admit(window, limits(), T0 + 950 + wait).verdict.allowed).toBe(true);
  });

  it("never admits more than the limit in any 60 s span", () => {
    const times = Array.from({ length: 400 }, (_, i) => T0 + i * 397);
    const verdicts = run(times);
    const admitted = times.filter((_, i) => verdicts[i]?.allowed);
    for (const start of admitted) {
      const inSpan = admitted.filter((t) => t >= start && t < start + 60_000);
      expect(inSpan.length).toBeLessThanOrEqual(3);
    }
    // …and the limit is reachable again after each window: 400 requests over ~159 s.
    expect(admitted.length).toBeGreaterThanOrEqual(6);
  });

  it("retry-after is the wait until the oldest bucket leaves", () => {
    const [, , , refused] = run([T0 + 200, T0 + 5_000, T0 + 9_000, T0 + 30_000]);
    expect(refused?.retryAfterMs).toBe(200 + 60_000 - 30_000);
    expect(refused?.requests.resetMs).toBe(9_000 + 60_000 - 30_000);
  });

  it("counts images as n and refuses all or nothing", () => {
    const verdicts = run([T0, T0 + 1, T0 + 2], limits(3));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, false, false]);
    expect(verdicts[0]?.images).toEqual({ limit: 4, remaining: 1, resetMs: 60_000 });
    expect(verdicts[1]).toMatchObject({ exceeded: "images", used: 3, requested: 3 });
    // The refused image request did not use up a request.
    expect(verdicts[2]?.requests.remaining).toBe(2);
  });

  it("a request for more images than the limit can never succeed", () => {
    const [verdict] = run([T0], limits(5));
    expect(verdict).toMatchObject({ allowed: false, exceeded: "images", retryAfterMs: null });
  });

  it("reports no images quota for endpoints that produce none", () => {
    const [verdict] = run([T0]);
    expect(verdict?.images).toBeNull();
    expect(verdict?.requests).toEqual({ limit: 3, remaining: 2, resetMs: 60_000 });
  });

  it("an empty window resets at once", () => {
    expect(waitMs([], T0, 1, 1)).toBe(0);
    expect(waitMs([], T0, 1, 2)).toBeNull();
  });
});

describe("restoreWindow", () => {
  it("restores a stored window and ignores anything else", () => {
    const stored: KeyWindow = { requests: [[1, 2, 1_500]], images: [] };
    expect(restoreWindow(structuredClone(stored))).toEqual(stored);
    // Stored before buckets kept their last admission: counted to the end of the second.
    expect(restoreWindow({ requests: [[1, 2]], images: [] })).toEqual({
      requests: [[1, 2, 1_999]],
      images: [],
    });
    expect(restoreWindow({ requests: [[1, 2, 2_000]], images: [] })).toEqual(emptyWindow());
    expect(restoreWindow(undefined)).toEqual(emptyWindow());
    expect(restoreWindow({ requests: [[1, "x"]], images: [] })).toEqual(emptyWindow());
    expect(restoreWindow({ requests: [] })).toEqual(emptyWindow());
  });
});
