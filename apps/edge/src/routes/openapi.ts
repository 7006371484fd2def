/**
 * `GET /openapi.json`: the HTTP API described by the route definitions themselves
 * (`@hono/zod-openapi` over the zod contracts). Every route file registers its definitions
 * where it registers its handlers (`openapi/documented-route.ts`), and `app.route()` merges
 * them, so a route and its description are one object; `test/openapi-document.test.ts` fails
 * when a route is served that the document lacks.
 *
 * @module
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { EdgeEnv } from "../env";
import { documentedRoute } from "../openapi/documented-route";
import { headers, NO_SECURITY, registerComponents } from "../openapi/openapi-components";

const openApiRoute = createRoute({
  method: "get",
  path: "/openapi.json",
  operationId: "getOpenApiDocument",
  tags: ["Meta"],
  summary: "This document",
  security: NO_SECURITY,
  responses: {
    "200": {
      description: "The OpenAPI 3.1 document",
      headers: headers("x-request-id"),
      content: {
        "application/json": { schema: z.record(z.string(), z.unknown()) },
      },
    },
  },
});

const DESCRIPTION = `OpenAI-compatible Images API with Limner's extensions.

Authenticate with \`Authorization: Bearer lmn_…\`. Errors use OpenAI's envelope (\`ErrorEnvelope\`).
Every \`/v1\` answer carries \`x-request-id\` and the \`x-ratelimit-*\` headers; a 429 carries
\`retry-after\` / \`retry-after-ms\` (always below 60 s) when the request can pass later, or
\`x-should-retry: false\` when it never can.`;

const TAGS = [
  { name: "Images", description: "Generation and Limner's image endpoints" },
  { name: "Models", description: "The models this deployment serves" },
  { name: "Prompts", description: "Prompt upsampling" },
  { name: "Files", description: "Generated images behind signed URLs" },
  { name: "Admin", description: "API keys (the deployment's admin token)" },
  { name: "Health", description: "Probes" },
  { name: "tRPC", description: "The same API as a typed tRPC router (`@limner/sdk/trpc`)" },
  { name: "Internal", description: "Calls from the launcher, not from API clients" },
  { name: "Meta", description: "The playground and this document" },
];

/** The document for `app`'s registered routes, served from `serverUrl`. */
export function openApiDocument(app: OpenAPIHono<EdgeEnv>, serverUrl: string) {
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "Limner API", version: "1.0.0", description: DESCRIPTION },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    tags: TAGS,
  });
}

/**
 * Adds the shared components and `GET /openapi.json` to the app. Call it on the top-level app:
 * its registry is where every mounted route file's definitions end up.
 */
export function serveOpenApiDocument(app: OpenAPIHono<EdgeEnv>): void {
  registerComponents(app.openAPIRegistry);
  // Built once per isolate (the routes cannot change after start-up); only the server differs.
  let document: ReturnType<typeof openApiDocument> | undefined;
  documentedRoute(app, openApiRoute, (c) => {
    const origin = new URL(c.req.url).origin;
    document ??= openApiDocument(app, origin);
    return c.json({ ...document, servers: [{ url: origin }] });
  });
}
