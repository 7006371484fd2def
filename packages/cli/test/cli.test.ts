import { describe, expect, it } from "vitest";
import { cli } from "../src/cli";

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

function harness(answer: (request: Request) => Response) {
  const out: string[] = [];
  const err: string[] = [];
  const requests: Request[] = [];
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    requests.push(request.clone());
    return answer(request);
  };
  const run = (argv: string[]) =>
    cli(
      argv,
      { LIMNER_URL: "http://edge:1/v1/", LIMNER_ADMIN_TOKEN: "t".repeat(32) },
      { out: (l) => out.push(l), err: (l) => err.push(l) },
      fetchImpl,
    );
  return { out, err, requests, run };
}

describe("limner keys", () => {
  it("create sends the label, scopes and limits and prints only the key on stdout", async () => {
    const h = harness(() =>
      Response.json({ ...KEY, key: "lmn_secret_secret_secret" }, { status: 201 }),
    );
    const code = await h.run(["keys", "create", "--label", "app", "--requests-per-minute", "10"]);
    expect(code).toBe(0);
    expect(h.out).toEqual(["lmn_secret_secret_secret"]);
    expect(h.err.join()).toContain("key_abc");
    const [request] = h.requests;
    expect(request?.url).toBe("http://edge:1/admin/keys");
    expect(request?.headers.get("authorization")).toBe(`Bearer ${"t".repeat(32)}`);
    expect(await request?.json()).toEqual({ label: "app", limits: { requests_per_minute: 10 } });
  });

  it("list prints one line per key; revoke names the key", async () => {
    const h = harness((request) =>
      request.method === "GET"
        ? Response.json({ object: "list", data: [KEY] })
        : Response.json({ ...KEY, revoked_at: 1_700_000_100, revoked: true }),
    );
    expect(await h.run(["keys", "list"])).toBe(0);
    expect(h.out[0]).toContain("key_abc");
    expect(h.out[0]).toContain("10 req/min, default img/min");
    expect(await h.run(["keys", "revoke", "key_abc"])).toBe(0);
    expect(h.requests[1]?.method).toBe("DELETE");
    expect(h.out[1]).toContain("Revoked key_abc");
  });

  it("reports the edge's error and exits 1; usage mistakes exit 2", async () => {
    const h = harness(() =>
      Response.json(
        {
          error: {
            message: "Incorrect admin token provided.",
            type: "authentication_error",
            param: null,
            code: "invalid_api_key",
          },
        },
        { status: 401 },
      ),
    );
    expect(await h.run(["keys", "list"])).toBe(1);
    expect(h.err.at(-1)).toContain("invalid_api_key");
    expect(await h.run(["keys", "create"])).toBe(2);
    expect(await h.run(["keys", "create", "--label", "x", "--images-per-minute", "0"])).toBe(2);
    expect(await h.run(["keys", "list", "--bogus"])).toBe(2);
    expect(await h.run(["frobnicate"])).toBe(2);
    expect(await cli(["keys", "list"], {}, { out: () => {}, err: () => {} })).toBe(2);
  });
});
