/**
 * The only way the edge talks to a GPU runtime: a tRPC client typed by the runtime's router, so a
 * renamed procedure or a wrong input field is a compile error here, not a production 400.
 *
 * @module
 */
import type { RuntimeRouter } from "@limner/gpu-runtime/router";
import { createTRPCClient, httpBatchStreamLink, httpLink, splitLink } from "@trpc/client";

export type RuntimeClient = ReturnType<typeof createRuntimeClient>;

export interface RuntimeClientOptions {
  baseUrl: string;
  serviceToken: string;
  requestId: string;
  fetch?: typeof fetch;
}

export function createRuntimeClient({
  baseUrl,
  serviceToken,
  requestId,
  fetch,
}: RuntimeClientOptions) {
  const options = {
    url: `${baseUrl}/trpc`,
    headers: { authorization: `Bearer ${serviceToken}`, "x-request-id": requestId },
    ...(fetch ? { fetch } : {}),
  };
  return createTRPCClient<RuntimeRouter>({
    links: [
      // `generate` and `edit` stream progress events (JSON lines); everything else is one answer.
      splitLink({
        condition: (op) => op.path === "generate" || op.path === "edit",
        true: httpBatchStreamLink(options),
        false: httpLink(options),
      }),
    ],
  });
}
