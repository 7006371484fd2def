/**
 * What a browser test needs besides the stack: Debian's Chromium through playwright-core with the
 * flags this offline machine requires, and a page server on its own origin, so every call the
 * page makes to the edge is cross-origin (CORS) as it is for a real web app.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type Browser, chromium } from "playwright-core";

/**
 * Chromium headless (playwright passes `--headless`), without the sandbox (root in CI) and
 * without any background networking, which this offline machine refuses.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A page or script the server answers with, by path (`/` included). */
export interface StaticFile {
  contentType: string;
  body: string;
}

export interface PageServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  url: string;
  close(): Promise<void>;
}

/** Serves `files` on a free port of 127.0.0.1; any other path is a 404. */
export async function servePages(files: Record<string, StaticFile>): Promise<PageServer> {
  const server = createServer((request, response) => {
    const file = files[new URL(request.url ?? "/", "http://page").pathname];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": file.contentType }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
