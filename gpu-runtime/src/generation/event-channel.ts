/**
 * Bridges callback-style progress (from the batch runner) to the async iterator a streaming
 * tRPC procedure yields from. Unbounded but short-lived: one channel per request.
 *
 * @module
 */
export class EventChannel<T> implements AsyncIterable<T> {
  #buffer: T[] = [];
  #waiting: ((result: IteratorResult<T>) => void) | undefined;
  #failWaiting: ((error: unknown) => void) | undefined;
  #done = false;
  #error: unknown;

  push(value: T): void {
    if (this.#done) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#clearWaiters();
      resolve({ value, done: false });
    } else {
      this.#buffer.push(value);
    }
  }

  close(): void {
    if (this.#done) return;
    this.#done = true;
    this.#waiting?.({ value: undefined, done: true });
    this.#clearWaiters();
  }

  fail(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    this.#failWaiting?.(error);
    this.#clearWaiters();
  }

  #clearWaiters(): void {
    this.#waiting = undefined;
    this.#failWaiting = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const value = this.#buffer.shift();
        if (value !== undefined) return Promise.resolve({ value, done: false });
        if (this.#error !== undefined) return Promise.reject(this.#error);
        if (this.#done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.#waiting = resolve;
          this.#failWaiting = reject;
        });
      },
    };
  }
}

/**
 * A streaming procedure's events for one request: `start` runs it, its progress events pass
 * through as they happen, and the last event is `completed(result)` (or the request's error).
 * `completed` is made from the result, never taken from the runner's own event: a caller that
 * attached to a running generation (same request id) may have joined after that event went out.
 */
export function resultEvents<E extends { type: string }, R>(
  start: (onEvent: (event: E) => void) => Promise<R>,
  completed: (result: R) => E,
): EventChannel<E> {
  const events = new EventChannel<E>();
  start((event) => {
    if (event.type !== "completed") events.push(event);
  }).then(
    (result) => {
      events.push(completed(result));
      events.close();
    },
    (error: unknown) => events.fail(error),
  );
  return events;
}
