import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import type { EdgeBindings } from "../src/config";

// What openai-node 5.x sends from a browser (`dangerouslyAllowBrowser: true`), as Chromium
// lists it in the preflight: lower-case, comma-separated.
const OPENAI_BROWSER_HEADERS = [
  "authorization",
  "content-type",
  "idempotency-key",
  "openai-organization",
  "openai-project",
  "x-request-id",
  "x-stainless-arch",
  "x-stainless-async",
  "x-stainless-helper-method",
  "x-stainless-lang",
  "x-stainless-os",
  "x-stainless-package-version",
  "x-stainless-poll-helper",
  "x-stainless-retry-count",
  "x-stainless-runtime",
  "x-stainless-runtime-version",
  "x-stainless-timeout",
].join(",");

// The pool is built per request from these; nothing here reaches a runtime or storage.
const env = {
  RUNTIME_URLS: "http://127.0.0.1:9",
  RUNTIME_SERVICE_TOKEN: "0123456789abcdef",
  FILES_SIGNING_KEY: "k".repeat(32),
} as unknown as EdgeBindings;

const app = createApp();
const preflight = (path: string, method: string) =>
  app.request(
    path,
    {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": method,
        "access-control-request-headers": OPENAI_BROWSER_HEADERS,
      },
    },
    env,
  );

describe("apiCors", () => {
  it.each([
    ["/v1/images/generations", "POST"],
    ["/v1/images/captions", "POST"],
    ["/v1/models/dall-e-3", "GET"],
    ["/trpc/generate", "POST"],
  ])("lets the openai client's preflight for %s through", async (path, method) => {
    const response = await preflight(path, method);
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-methods")?.split(",")).toContain(method);
    expect(response.headers.get("access-control-allow-headers")).toBe(OPENAI_BROWSER_HEADERS);
  });

  it("exposes the headers clients read, on refusals too", async () => {
    const response = await app.request(
      "/v1/models",
      { headers: { origin: "https://app.example" } },
      env,
    );
    // Refused before any storage is read: no key.
    expect(response.status).toBe(401);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    const exposed = response.headers.get("access-control-expose-headers")?.split(",") ?? [];
    for (const header of [
      "x-request-id",
      "retry-after",
      "retry-after-ms",
      "x-should-retry",
      "x-ratelimit-remaining-requests",
      "x-ratelimit-reset-images",
    ]) {
      expect(exposed).toContain(header);
    }
  });
});
