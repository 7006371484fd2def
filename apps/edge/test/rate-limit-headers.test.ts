import { describe, expect, it } from "vitest";
import {
  formatDuration,
  MAX_RETRY_HINT_MS,
  rateLimitHeaders,
  rateLimitMessage,
} from "../src/limits/rate-limit-headers";
import type { AdmitVerdict } from "../src/limits/sliding-window";

const allowed: AdmitVerdict = {
  allowed: true,
  exceeded: null,
  used: 0,
  requested: 1,
  requests: { limit: 60, remaining: 59, resetMs: 60_400 },
  images: null,
  retryAfterMs: 0,
};

describe("formatDuration", () => {
  it("writes Go-style durations like OpenAI's reset headers", () => {
    expect(formatDuration(0)).toBe("0ms");
    expect(formatDuration(20)).toBe("20ms");
    expect(formatDuration(999.2)).toBe("1s");
    expect(formatDuration(1_000)).toBe("1s");
    expect(formatDuration(1_500)).toBe("1.5s");
    expect(formatDuration(59_999)).toBe("59.999s");
    expect(formatDuration(60_000)).toBe("1m0s");
    expect(formatDuration(61_000)).toBe("1m1s");
    expect(formatDuration(60_668)).toBe("1m0.668s");
  });
});

describe("rateLimitHeaders", () => {
  it("gives the requests trio, and the images trio only when images are counted", () => {
    expect(rateLimitHeaders(allowed)).toEqual({
      "x-ratelimit-limit-requests": "60",
      "x-ratelimit-remaining-requests": "59",
      "x-ratelimit-reset-requests": "1m0.4s",
    });
    const withImages = rateLimitHeaders({
      ...allowed,
      images: { limit: 30, remaining: 26, resetMs: 12_000 },
    });
    expect(withImages).toMatchObject({
      "x-ratelimit-limit-images": "30",
      "x-ratelimit-remaining-images": "26",
      "x-ratelimit-reset-images": "12s",
    });
  });

  it("adds retry-after (seconds, rounded up) and retry-after-ms when refused", () => {
    const refused = {
      ...allowed,
      allowed: false,
      exceeded: "requests" as const,
      retryAfterMs: 1_200.4,
    };
    expect(rateLimitHeaders(refused)).toMatchObject({
      "retry-after": "2",
      "retry-after-ms": "1201",
    });
    expect(rateLimitHeaders({ ...refused, retryAfterMs: 0.2 })).toMatchObject({
      "retry-after": "1",
      "retry-after-ms": "1",
    });
  });

  it("never hints 60 s or more, which openai-node and the AI SDK would ignore", () => {
    const refused = { ...allowed, allowed: false, exceeded: "requests" as const };
    // The longest wait the window can ask for (refused in the millisecond of the admission).
    expect(rateLimitHeaders({ ...refused, retryAfterMs: 60_000 })).toMatchObject({
      "retry-after": "60",
      "retry-after-ms": String(MAX_RETRY_HINT_MS),
    });
    expect(MAX_RETRY_HINT_MS).toBeLessThan(60_000);
    expect(rateLimitHeaders({ ...refused, retryAfterMs: 59_400 })).toMatchObject({
      "retry-after-ms": "59400",
    });
    expect(rateLimitHeaders({ ...refused, retryAfterMs: 59_400 })).not.toHaveProperty(
      "x-should-retry",
    );
  });

  it("tells clients not to retry a request that can never fit, and gives no hint", () => {
    const never = { ...allowed, allowed: false, exceeded: "images" as const, retryAfterMs: null };
    const headers = rateLimitHeaders(never);
    expect(headers["x-should-retry"]).toBe("false");
    expect(headers).not.toHaveProperty("retry-after");
    expect(headers).not.toHaveProperty("retry-after-ms");
  });
});

describe("rateLimitMessage", () => {
  it("follows OpenAI's wording", () => {
    const refused: AdmitVerdict = {
      ...allowed,
      allowed: false,
      exceeded: "requests",
      used: 60,
      requests: { limit: 60, remaining: 0, resetMs: 30_000 },
      retryAfterMs: 1_500,
    };
    expect(rateLimitMessage(refused, "lmn_abcd")).toBe(
      "Rate limit reached for requests per minute on API key lmn_abcd…: Limit 60, Used 60, Requested 1. Please try again in 1.5s.",
    );
  });

  it("says why a request that can never fit is not worth retrying", () => {
    const never: AdmitVerdict = {
      ...allowed,
      allowed: false,
      exceeded: "images",
      used: 0,
      requested: 4,
      images: { limit: 3, remaining: 3, resetMs: 0 },
      retryAfterMs: null,
    };
    expect(rateLimitMessage(never, "lmn_abcd")).toBe(
      "Request too large for images per minute on API key lmn_abcd…: Limit 3, Used 0, Requested 4. It can never be admitted, so retrying will not help: ask for fewer images (n) per request.",
    );
  });
});
