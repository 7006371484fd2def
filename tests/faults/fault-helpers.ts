/**
 * What the fault tests share: calls to the edge that never throw (a fault test counts outcomes),
 * the runtimes' Prometheus counters, and the edge's local state on disk.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { EDGE_DIR, type RunningStack, WRANGLER_BIN } from "@limner/dev-stack";

export interface Outcome {
  status: number;
  code: string | undefined;
  message: string | undefined;
  retryAfter: string | null;
  /** Raw body text (for leak checks). */
  text: string;
  /** How long it took (ms). */
  at: number;
  /** When it was sent (epoch ms). */
  sentAt: number;
}

/**
 * One request on a fresh connection (`Connection: close`), so a server closing an idle
 * keep-alive socket just as the client reuses it — a race of the client's pool, not a fault of
 * the server — cannot show up as a lost request. `status 0` is a transport failure (reset,
 * refused, aborted) rather than an HTTP answer.
 */
export function callEdge(
  stack: RunningStack,
  path: string,
  init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal; key?: string },
): Promise<Outcome> {
  const started = Date.now();
  const body = init.body === undefined ? undefined : Buffer.from(JSON.stringify(init.body));
  return new Promise<Outcome>((resolve) => {
    const failed = (error: Error) =>
      resolve({
        status: 0,
        code: error.name,
        message: `${error.message} (${(error as NodeJS.ErrnoException).code ?? "no code"})`,
        retryAfter: null,
        text: "",
        at: Date.now() - started,
        sentAt: started,
      });
    const request = httpRequest(
      `${stack.edgeUrl}${path}`,
      {
        method: body === undefined ? "GET" : "POST",
        agent: false,
        headers: {
          connection: "close",
          authorization: `Bearer ${init.key ?? stack.apiKey}`,
          ...(body === undefined
            ? {}
            : { "content-type": "application/json", "content-length": String(body.length) }),
          ...init.headers,
        },
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", failed);
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let error: { code?: string; message?: string } | undefined;
          try {
            error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
          } catch {
            error = undefined;
          }
          const retryAfter = response.headers["retry-after"];
          resolve({
            status: response.statusCode ?? 0,
            code: error?.code,
            message: error?.message,
            retryAfter: typeof retryAfter === "string" ? retryAfter : null,
            text,
            at: Date.now() - started,
            sentAt: started,
          });
        });
      },
    );
    request.on("error", failed);
    request.end(body);
  });
}

/** Retryable as OpenAI clients see it: 429/503 with a positive Retry-After. */
export function isRetryable(outcome: Outcome): boolean {
  return (outcome.status === 429 || outcome.status === 503) && Number(outcome.retryAfter) > 0;
}

/** Sum of a runtime counter's samples whose labels include all of `labels`. */
export async function runtimeCounter(
  runtimeUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  // A probe of the test's own: retried, since a reused keep-alive socket can be reset.
  let text = "";
  for (let attempt = 1; ; attempt++) {
    try {
      text = await (
        await fetch(`${runtimeUrl}/metrics`, { headers: { connection: "close" } })
      ).text();
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const matches = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (matches) sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

/** Every file under `dir`, recursively, with its total size. */
export function stateFiles(dir: string): {
  count: number;
  bytes: number;
  paths: string[];
  sizes: Map<string, number>;
} {
  const paths: string[] = [];
  const sizes = new Map<string, number>();
  let bytes = 0;
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        paths.push(path);
        const size = statSync(path).size;
        sizes.set(path, size);
        bytes += size;
      }
    }
  };
  walk(dir);
  return { count: paths.length, bytes, paths, sizes };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Limits are tested elsewhere; fault tests need every request to reach the runtimes. */
export const NO_LIMITS = {
  LIMNER_DEFAULT_MODEL: "tiny-sd",
  LIMIT_REQUESTS_PER_MINUTE: "100000",
  LIMIT_IMAGES_PER_MINUTE: "100000",
};

/**
 * How the fault suite serves the edge: the deploy bundle on workerd (Miniflare) by default —
 * built once, so a source edit made while a fault test runs cannot restart the worker
 * mid-request (`wrangler dev` answers those with its own 503), and no dev proxy stands between
 * client and worker, as on Cloudflare. `npm start`'s own path (`wrangler dev`) is covered by
 * npm-start-crash.test.ts; `LIMNER_FAULT_EDGE_SERVER=wrangler-dev` runs every file on it.
 */
export const FAULT_EDGE_SERVER: "wrangler-dev" | "miniflare" =
  process.env.LIMNER_FAULT_EDGE_SERVER === "wrangler-dev" ? "wrangler-dev" : "miniflare";

/** Rows from the edge's local D1 under `persistDir` (wrangler's own client, read-only use). */
export function queryD1<Row>(persistDir: string, sql: string): Row[] {
  const out = execFileSync(
    process.execPath,
    [
      WRANGLER_BIN,
      "d1",
      "execute",
      "DB",
      "--local",
      "--persist-to",
      persistDir,
      "--json",
      "--command",
      sql,
    ],
    {
      cwd: EDGE_DIR,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
      encoding: "utf8",
    },
  );
  const parsed = JSON.parse(out) as { results: Row[] }[];
  return parsed.flatMap((statement) => statement.results);
}
