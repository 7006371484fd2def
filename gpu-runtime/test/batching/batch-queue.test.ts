import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  BatchQueue,
  QueueClosedError,
  type QueuedItem,
  QueueFullError,
} from "../../src/batching/batch-queue";

afterEach(() => {
  vi.useRealTimers();
});

/** A runner that records batches and finishes each when told to. */
function controlledRunner() {
  const batches: number[][] = [];
  const finishers: (() => void)[] = [];
  const run = (batch: readonly QueuedItem<number>[]) => {
    batches.push(batch.map((b) => b.request));
    return new Promise<(number | Error)[]>((resolve) => {
      finishers.push(() =>
        resolve(batch.map((b) => (b.request < 0 ? new Error("negative") : b.request * 10))),
      );
    });
  };
  // Batches follow each other through promise callbacks only, so flushing microtasks is enough
  // (and works with real and fake timers alike).
  const flush = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  const finishAll = async () => {
    while (finishers.length > 0) {
      finishers.shift()?.();
      await flush();
    }
  };
  return { batches, run, finishAll };
}

describe("BatchQueue", () => {
  it("batches requests with one key up to maxBatch, and keeps keys apart", async () => {
    vi.useFakeTimers();
    const runner = controlledRunner();
    const queue = new BatchQueue<number, number>(
      { maxBatch: 2, maxDelayMs: 50, maxQueued: 10 },
      runner.run,
    );
    const results = [
      queue.enqueue(1, { batchKey: "a" }),
      queue.enqueue(2, { batchKey: "b" }),
      queue.enqueue(3, { batchKey: "a" }),
      queue.enqueue(4, { batchKey: "b" }),
    ];
    await vi.advanceTimersByTimeAsync(0);
    expect(runner.batches).toEqual([[1, 3]]);
    await runner.finishAll();
    expect(runner.batches).toEqual([
      [1, 3],
      [2, 4],
    ]);
    await runner.finishAll();
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30, 40]);
  });

  it("starts a partial batch once the oldest request has waited maxDelayMs", async () => {
    vi.useFakeTimers();
    const runner = controlledRunner();
    const queue = new BatchQueue<number, number>(
      { maxBatch: 4, maxDelayMs: 50, maxQueued: 10 },
      runner.run,
    );
    const result = queue.enqueue(7, { batchKey: "a" });
    await vi.advanceTimersByTimeAsync(49);
    expect(runner.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runner.batches).toEqual([[7]]);
    await runner.finishAll();
    await expect(result).resolves.toBe(70);
  });

  it("refuses at once when full, with a retry hint", async () => {
    vi.useFakeTimers();
    const runner = controlledRunner();
    const queue = new BatchQueue<number, number>(
      { maxBatch: 1, maxDelayMs: 0, maxQueued: 2 },
      runner.run,
    );
    const accepted = [1, 2, 3].map((n) => queue.enqueue(n, { batchKey: "a" }));
    await vi.advanceTimersByTimeAsync(0); // 1 runs, 2 and 3 wait
    const refused = await queue.enqueue(4, { batchKey: "a" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QueueFullError);
    expect((refused as QueueFullError).retryAfterMs).toBeGreaterThan(0);
    await runner.finishAll();
    await expect(Promise.all(accepted)).resolves.toEqual([10, 20, 30]);
  });

  it("drops a cancelled request before it costs compute", async () => {
    vi.useFakeTimers();
    const runner = controlledRunner();
    const queue = new BatchQueue<number, number>(
      { maxBatch: 4, maxDelayMs: 50, maxQueued: 10 },
      runner.run,
    );
    const controller = new AbortController();
    const cancelled = queue.enqueue(1, { batchKey: "a", signal: controller.signal });
    const kept = queue.enqueue(2, { batchKey: "a" });
    controller.abort(new Error("client went away"));
    await expect(cancelled).rejects.toThrow("client went away");
    expect(queue.depth).toBe(1);
    await vi.advanceTimersByTimeAsync(50);
    await runner.finishAll();
    expect(runner.batches).toEqual([[2]]);
    await expect(kept).resolves.toBe(20);
  });

  it("abandons a request whose deadline passes while it waits", async () => {
    const runner = controlledRunner();
    const queue = new BatchQueue<number, number>(
      { maxBatch: 1, maxDelayMs: 0, maxQueued: 10 },
      runner.run,
    );
    const first = queue.enqueue(1, { batchKey: "a" });
    const late = queue.enqueue(2, { batchKey: "a", deadline: Date.now() + 20 });
    await expect(late).rejects.toMatchObject({ name: "TimeoutError" });
    expect(runner.batches).toEqual([[1]]);
    await runner.finishAll();
    await expect(first).resolves.toBe(10);
    expect(runner.batches).toEqual([[1]]);
  });

  it("lets go of a settled result while its deadline and its caller's signal live on", async () => {
    // The soak found results (their base64 images) held by deadline timers until they fired.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const queue = new BatchQueue<number, { image: Uint8Array }>(
      { maxBatch: 1, maxDelayMs: 0, maxQueued: 10 },
      async (batch) => batch.map(() => ({ image: new Uint8Array(1 << 20) })),
    );
    const caller = new AbortController(); // outlives the request, as a server's would
    let result: WeakRef<object> | undefined;
    await (async () => {
      const value = await queue.enqueue(1, {
        batchKey: "a",
        signal: caller.signal,
        deadline: Date.now() + 600_000,
      });
      result = new WeakRef(value);
    })();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(result?.deref()).toBeUndefined();
  });

  it("gives the runner the signal of a running request", async () => {
    const seen: AbortSignal[] = [];
    const queue = new BatchQueue<number, number>(
      { maxBatch: 1, maxDelayMs: 0, maxQueued: 10 },
      async (batch) => {
        for (const item of batch) seen.push(item.signal);
        await new Promise((resolve) => setTimeout(resolve, 10));
        return batch.map((item) => (item.signal.aborted ? new Error("cancelled mid-run") : 1));
      },
    );
    const controller = new AbortController();
    const result = queue.enqueue(1, { batchKey: "a", signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 1));
    controller.abort();
    await expect(result).rejects.toThrow("cancelled mid-run");
    expect(seen[0]?.aborted).toBe(true);
  });

  it("fails only the item the runner failed", async () => {
    vi.useFakeTimers();
    const runner = controlledRunner();
    const queue = new BatchQueue<number, number>(
      { maxBatch: 2, maxDelayMs: 0, maxQueued: 10 },
      runner.run,
    );
    const good = queue.enqueue(1, { batchKey: "a" });
    const bad = expect(queue.enqueue(-1, { batchKey: "a" })).rejects.toThrow("negative");
    await vi.advanceTimersByTimeAsync(0);
    await runner.finishAll();
    await expect(good).resolves.toBe(10);
    await bad;
  });

  it("drain finishes accepted work and refuses new work", async () => {
    vi.useFakeTimers();
    const runner = controlledRunner();
    const queue = new BatchQueue<number, number>(
      { maxBatch: 1, maxDelayMs: 0, maxQueued: 10 },
      runner.run,
    );
    const accepted = [queue.enqueue(1, { batchKey: "a" }), queue.enqueue(2, { batchKey: "a" })];
    let drained = false;
    const draining = queue.drain().then(() => {
      drained = true;
    });
    await expect(queue.enqueue(3, { batchKey: "a" })).rejects.toBeInstanceOf(QueueClosedError);
    await vi.advanceTimersByTimeAsync(0);
    expect(drained).toBe(false);
    await runner.finishAll();
    await draining;
    expect(drained).toBe(true);
    await expect(Promise.all(accepted)).resolves.toEqual([10, 20]);
  });
});
