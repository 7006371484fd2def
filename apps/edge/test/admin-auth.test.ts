import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import type { EdgeBindings } from "../src/config";
import { constantTimeEqual } from "../src/middleware/admin-auth";

const ADMIN_TOKEN = "a".repeat(40);
const env = (vars: Partial<EdgeBindings> = {}) =>
  ({
    RUNTIME_URLS: "http://127.0.0.1:1",
    RUNTIME_SERVICE_TOKEN: "0123456789abcdef",
    FILES_SIGNING_KEY: "k".repeat(32),
    ...vars,
  }) as unknown as EdgeBindings;

async function errorOf(response: Response) {
  return ((await response.json()) as { error: { code: string; type: string } }).error;
}

describe("adminAuth", () => {
  const app = createApp();

  it("hides the admin routes entirely when no admin token is configured", async () => {
    const response = await app.request("/admin/keys", {}, env());
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ code: "unknown_url", type: "not_found_error" });
  });

  it("asks for the token when it is missing", async () => {
    const response = await app.request("/admin/keys", {}, env({ LIMNER_ADMIN_TOKEN: ADMIN_TOKEN }));
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({ code: "missing_api_key" });
  });

  it("refuses a wrong token, a prefix of it, and an API key", async () => {
    for (const token of ["b".repeat(40), ADMIN_TOKEN.slice(0, 39), `${ADMIN_TOKEN}a`, "lmn_x"]) {
      const response = await app.request(
        "/admin/keys",
        { headers: { authorization: `Bearer ${token}` } },
        env({ LIMNER_ADMIN_TOKEN: ADMIN_TOKEN }),
      );
      expect(response.status).toBe(401);
      expect(await errorOf(response)).toMatchObject({ code: "invalid_api_key" });
    }
  });
});

describe("constantTimeEqual", () => {
  it("is equality", async () => {
    expect(await constantTimeEqual("secret", "secret")).toBe(true);
    expect(await constantTimeEqual("secret", "secreT")).toBe(false);
    expect(await constantTimeEqual("", "secret")).toBe(false);
  });
});
