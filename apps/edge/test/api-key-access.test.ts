import { describe, expect, it } from "vitest";
import { IMAGE_ENDPOINTS, requestedImages } from "../src/middleware/api-key-access";

const post = (body: string) =>
  new Request("http://edge/v1/images/generations", { method: "POST", body });

describe("requestedImages", () => {
  it("reads a valid n and leaves the body readable", async () => {
    const request = post(JSON.stringify({ prompt: "p", n: 3 }));
    expect(await requestedImages(request)).toBe(3);
    expect(await request.json()).toEqual({ prompt: "p", n: 3 });
  });

  it("counts 1 when n is absent or invalid, or the body is not JSON (validation reports it)", async () => {
    for (const body of ['{"prompt":"p"}', '{"n":"2"}', '{"n":0}', '{"n":99}', "[1]", "{oops"]) {
      expect(await requestedImages(post(body))).toBe(1);
    }
  });

  it("counts images on generations, edits and variations, over REST and tRPC", () => {
    expect(IMAGE_ENDPOINTS).toEqual([
      ["POST", "/v1/images/generations"],
      ["POST", "/v1/images/edits"],
      ["POST", "/v1/images/variations"],
      ["POST", "/trpc/generate"],
    ]);
  });

  it("reads n from a multipart edit form, as text, and leaves the body readable", async () => {
    const form = (n?: string) => {
      const body = new FormData();
      body.append("image", new Blob([new Uint8Array([137, 80, 78, 71])]), "a.png");
      if (n !== undefined) body.append("n", n);
      return new Request("http://edge/v1/images/edits", { method: "POST", body });
    };
    const request = form("3");
    expect(await requestedImages(request)).toBe(3);
    expect((await request.formData()).get("n")).toBe("3");
    for (const n of [undefined, "0", "9", "two"]) expect(await requestedImages(form(n))).toBe(1);
  });

  it("reads n from a tRPC batch body, and only on /trpc", async () => {
    const batch = JSON.stringify({ 0: { prompt: "p", n: 4 } });
    const trpc = new Request("http://edge/trpc/generate?batch=1", { method: "POST", body: batch });
    expect(await requestedImages(trpc)).toBe(4);
    expect(await requestedImages(post(batch))).toBe(1);
  });
});
