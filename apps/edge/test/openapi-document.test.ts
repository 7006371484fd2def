import { ErrorEnvelope } from "@limner/contracts";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import type { EdgeBindings } from "../src/config";

type App = ReturnType<typeof createApp>;

// The pool is built per request from these; nothing here reaches a runtime or storage.
const env = {
  RUNTIME_URLS: "http://127.0.0.1:9",
  RUNTIME_SERVICE_TOKEN: "0123456789abcdef",
  FILES_SIGNING_KEY: "k".repeat(32),
} as unknown as EdgeBindings;

interface Operation {
  operationId?: string;
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { $ref?: string; headers?: Record<string, unknown> }>;
}
interface Document {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
}

async function fetchDocument(app: App): Promise<Document> {
  const response = await app.request("https://edge.example/openapi.json", {}, env);
  expect(response.status).toBe(200);
  return (await response.json()) as Document;
}

/** `/keys/:id`, `/keys/{id}` and `/trpc/*` all become `/keys/{}`, `/trpc/{}`. */
const normalise = (path: string) =>
  path.replaceAll(/:[^/]+|\{[^}]+\}/g, "{}").replace(/\/\*$/, "/{}");

/**
 * What the app serves: Hono's `app.routes` lists middleware too (`use`, and `on` with
 * middleware such as the image endpoints' body limit). Middleware takes `(c, next)`, a handler
 * takes `(c)`: the handlers are what a request can end at.
 */
function servedRoutes(app: App): Set<string> {
  const served = new Set<string>();
  for (const route of app.routes) {
    if (route.handler.length >= 2) continue;
    served.add(`${route.method} ${normalise(route.path)}`);
  }
  return served;
}

/** Served routes the document lacks, and documented operations nothing serves. */
function compare(app: App, document: Document) {
  const documented = new Set<string>();
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const method of Object.keys(operations)) {
      documented.add(`${method.toUpperCase()} ${normalise(path)}`);
    }
  }
  const served = servedRoutes(app);
  const documentedPaths = [...documented].map((entry) => entry.split(" ")[1]);
  const missing = [...served].filter((entry) => {
    const [method, path] = entry.split(" ");
    // `app.all` serves every method: documenting the ones it answers is enough.
    return method === "ALL" ? !documentedPaths.includes(path) : !documented.has(entry);
  });
  const unserved = [...documented].filter((entry) => {
    const [, path] = entry.split(" ");
    return !served.has(entry) && !served.has(`ALL ${path}`);
  });
  return { served, missing, unserved };
}

describe("the OpenAPI document", () => {
  it("documents every route the edge serves, and nothing else", async () => {
    const app = createApp();
    const { served, missing, unserved } = compare(app, await fetchDocument(app));
    expect(missing).toEqual([]);
    expect(unserved).toEqual([]);
    // The enumeration sees the routes (it is not comparing two empty sets).
    for (const route of [
      "POST /v1/images/generations",
      "GET /v1/models/{}",
      "DELETE /admin/keys/{}",
      "GET /readyz",
      "GET /openapi.json",
      "ALL /trpc/{}",
    ]) {
      expect(served).toContain(route);
    }
  });

  it("fails on a route the document lacks", async () => {
    const app = createApp();
    app.get("/v1/undocumented/:id", (c) => c.text("hidden"));
    expect(compare(app, await fetchDocument(app)).missing).toEqual(["GET /v1/undocumented/{}"]);
  });

  it("names each operation once and points every $ref at a component", async () => {
    const document = await fetchDocument(createApp());
    expect(document.openapi).toBe("3.1.0");
    expect(document.servers).toEqual([{ url: "https://edge.example" }]);
    const ids = Object.values(document.paths).flatMap((operations) =>
      Object.values(operations).map((operation) => operation.operationId),
    );
    expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining(["createImage", "listModels", "retrieveModel", "createApiKey"]),
    );
    const refs = JSON.stringify(document).match(/"#\/components\/[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      const [, , kind, name] = JSON.parse(ref).split("/") as string[];
      expect(document.components[kind ?? ""], ref).toHaveProperty([name ?? ""]);
    }
  });

  it("uses the contracts' schemas under their names", async () => {
    const document = await fetchDocument(createApp());
    const schemas = document.components.schemas ?? {};
    for (const name of [
      "ImageGenerationRequest",
      "ImageGenerationResponse",
      "ImageGenerationStreamEvent",
      "CaptionRequest",
      "ScoreResponse",
      "ModelList",
      "Model",
      "CreateKeyRequest",
      "ErrorEnvelope",
    ]) {
      expect(schemas).toHaveProperty([name]);
    }
    // Generated from the zod contract, not written by hand.
    expect(schemas.ErrorEnvelope).toMatchObject({
      properties: { error: { required: Object.keys(ErrorEnvelope.shape.error.shape) } },
    });
    expect(schemas.ImageGenerationRequest).toMatchObject({
      properties: { prompt: { maxLength: 4000 } },
      additionalProperties: false,
    });
  });

  it("describes SSE, multipart bodies and the headers clients read", async () => {
    const { paths, components } = await fetchDocument(createApp());
    const generation = paths["/v1/images/generations"]?.post;
    expect(Object.keys(generation?.responses["200"] ?? {})).toContain("content");
    expect(JSON.stringify(generation?.responses["200"])).toContain("text/event-stream");
    expect(generation?.responses["200"]?.headers).toHaveProperty(["x-ratelimit-remaining-images"]);
    expect(generation?.responses["200"]?.headers).toHaveProperty(["x-request-id"]);
    expect(generation?.responses["429"]).toEqual({ $ref: "#/components/responses/RateLimited" });
    const captions = paths["/v1/images/captions"]?.post?.requestBody?.content ?? {};
    expect(Object.keys(captions)).toEqual(["application/json", "multipart/form-data"]);
    const rateLimited = components.responses?.RateLimited as { headers: object };
    expect(Object.keys(rateLimited.headers)).toEqual(
      expect.arrayContaining(["retry-after", "retry-after-ms", "x-should-retry"]),
    );
  });
});
