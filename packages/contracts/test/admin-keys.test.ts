import { describe, expect, it } from "vitest";
import { ApiKeyList, CreatedApiKey, CreateKeyRequest, MAX_LIMIT_PER_MINUTE } from "../src/index";

const KEY = {
  object: "api_key",
  id: "key_abc",
  prefix: "lmn_abcd",
  label: "app",
  scopes: ["images"],
  limits: { requests_per_minute: 10, images_per_minute: null },
  created_at: 1_700_000_000,
  last_used_at: null,
  revoked_at: null,
};

describe("CreateKeyRequest", () => {
  it("defaults scopes to images and limits to the deployment's", () => {
    expect(CreateKeyRequest.parse({ label: " app " })).toEqual({
      label: "app",
      scopes: ["images"],
      limits: {},
    });
  });

  it("rejects unknown fields, scopes and out-of-range limits", () => {
    expect(CreateKeyRequest.safeParse({ label: "a", owner: "x" }).success).toBe(false);
    expect(CreateKeyRequest.safeParse({ label: "a", scopes: ["admin"] }).success).toBe(false);
    const tooMany = { label: "a", limits: { images_per_minute: MAX_LIMIT_PER_MINUTE + 1 } };
    expect(CreateKeyRequest.safeParse(tooMany).success).toBe(false);
    expect(CreateKeyRequest.safeParse({ label: "   " }).success).toBe(false);
  });
});

describe("admin answers", () => {
  it("parse a created key with its secret and a list without", () => {
    expect(CreatedApiKey.parse({ ...KEY, key: "lmn_secret" }).key).toBe("lmn_secret");
    expect(CreatedApiKey.safeParse(KEY).success).toBe(false);
    expect(ApiKeyList.parse({ object: "list", data: [KEY] }).data).toHaveLength(1);
  });
});
