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

  it("frees a slot 60–61 s after it was used (1 s buckets), never sooner", () => {
    // Three requests in second T0; a fourth is refused until that bucket leaves the window.
    const verdicts = run([T0 + 500, T0 + 600, T0 + 700, T0 + 60_999, T0 + 61_000]);
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false, true]);
    expect(verdicts[3]?.retryAfterMs).toBe(1);
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
    expect(refused?.retryAfterMs).toBe(61_000 - 30_000);
    expect(refused?.requests.resetMs).toBe(9_000 + 61_000 - 30_000);
  });

  it("counts images as n and refuses all or nothing", () => {
    const verdicts = run([T0, T0 + 1, T0 + 2], limits(3));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, false, false]);
    expect(verdicts[0]?.images).toEqual({ limit: 4, remaining: 1, resetMs: 61_000 });
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
    expect(verdict?.requests).toEqual({ limit: 3, remaining: 2, resetMs: 61_000 });
  });

  it("an empty window resets at once", () => {
    expect(waitMs([], T0, 1, 1)).toBe(0);
    expect(waitMs([], T0, 1, 2)).toBeNull();
  });
});

describe("restoreWindow", () => {
  it("restores a stored window and ignores anything else", () => {
    const stored: KeyWindow = { requests: [[1, 2]], images: [] };
    expect(restoreWindow(structuredClone(stored))).toEqual(stored);
    expect(restoreWindow(undefined)).toEqual(emptyWindow());
    expect(restoreWindow({ requests: [[1, "x"]], images: [] })).toEqual(emptyWindow());
    expect(restoreWindow({ requests: [] })).toEqual(emptyWindow());
  });
});
