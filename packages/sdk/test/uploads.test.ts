/**
 * `images.caption` uploads every accepted image form as the same multipart `file` part: sent
 * to a real HTTP server, which parses the body as the edge does (`Request.formData()`).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Limner } from "../src/index";

const BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
let server: Server;
let limner: Limner;
const received: { name: string; bytes: number[]; detail: string }[] = [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = await new Request("http://x/", {
      method: "POST",
      headers: { "content-type": req.headers["content-type"] ?? "" },
      body: Buffer.concat(chunks),
    }).formData();
    const file = form.get("file");
    if (!(file instanceof File)) throw new Error("no file part");
    received.push({
      name: file.name,
      bytes: [...new Uint8Array(await file.arrayBuffer())],
      detail: String(form.get("detail")),
    });
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ caption: "c", detail: "short", model: "m" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  limner = new Limner({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "lmn_test" });
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe("images.caption uploads", () => {
  it("sends a Blob, a File, bytes, a Buffer, an ArrayBuffer and a path alike", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "limner-upload-")), "shape.png");
    writeFileSync(path, BYTES);
    const pooled = Buffer.from([9, 9, ...BYTES, 9]).subarray(2, 2 + BYTES.length);
    const images = [
      new Blob([BYTES]),
      new File([BYTES], "named.png"),
      BYTES,
      pooled,
      BYTES.slice().buffer,
      path,
    ];
    received.length = 0;
    for (const image of images) await limner.images.caption({ image, detail: "short" });
    expect(received.map((r) => r.bytes)).toEqual(images.map(() => [...BYTES]));
    expect(received.map((r) => r.name)).toEqual([
      "image",
      "named.png",
      "image",
      "image",
      "image",
      "shape.png",
    ]);
    expect(new Set(received.map((r) => r.detail))).toEqual(new Set(["short"]));
  });
});
