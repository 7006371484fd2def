/**
 * Consumes a runtime's streamed procedure (`generate`, `edit`): every event before the result is
 * passed on (SSE progress), and the `completed` event's result is the answer. A stream that ends
 * without one is the runtime's fault: `upstream_error`.
 *
 * @module
 */
import { apiError } from "../api-error";

type Completed<E> = Extract<E, { type: "completed"; result: unknown }>;

/**
 * The `completed` result of `stream`, with every other event given to `onEvent` in order.
 *
 * @example
 * ```ts
 * const result = await streamedResult(await runtime.edit.mutate(input), events.onEvent);
 * ```
 */
export async function streamedResult<E extends { type: string }>(
  stream: AsyncIterable<E>,
  onEvent?: (event: Exclude<E, { type: "completed" }>) => void,
): Promise<Completed<E>["result"]> {
  let completed: { result: Completed<E>["result"] } | undefined;
  for await (const event of stream) {
    if (isCompleted(event)) completed = event;
    // The guard's false branch does not narrow a generic union; this is that narrowing.
    else onEvent?.(event as Exclude<E, { type: "completed" }>);
  }
  if (!completed)
    throw apiError("upstream_error", "The GPU runtime ended the stream without a result.");
  return completed.result;
}

function isCompleted<E extends { type: string }>(event: E): event is Completed<E> {
  return event.type === "completed";
}
