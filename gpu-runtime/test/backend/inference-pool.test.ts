import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferenceError } from "../../src/backend/inference-error";
import { InferencePool } from "../../src/backend/inference-pool";
import type { TensorData } from "../../src/backend/tensor-data";
import { float32, int32 } from "../../src/backend/tensor-data";
import { loadTokenizer } from "../../src/tokenizers/load-tokenizer";
import { clone, maxAbsDiff, modelPath, output, randomTensor, row, stack, TINY_SD } from "./helpers";

const BOS = 826;
const EOS = 827;
const HIDDEN = 32;
const CLIP = { maxLength: 77, padding: "max_length", truncation: true } as const;

function ids(tokens: number[]): TensorData {
  const padded = [BOS, ...tokens, EOS];
  while (padded.length < 77) padded.push(EOS);
  return int32([1, 77], padded);
}

function int32Stack(rows: TensorData[]): TensorData {
  return int32(
    [rows.length, 77],
    rows.flatMap((r) => Array.from(r.data, Number)),
  );
}

const unetFeeds = (batch: number, h: number, w: number, seed: number) => ({
  sample: randomTensor([batch, 4, h, w], seed),
  timestep: float32([1], [seed % 1000]),
  encoder_hidden_states: randomTensor([batch, 77, HIDDEN], seed + 1),
});

/** A run long enough to observe: the decoder at a 64×64 latent, batch 4 (→ 4×3×512×512). */
const heavyFeeds = () => ({ latent_sample: randomTensor([4, 4, 64, 64], 99) });

async function expectRejectsWith(
  promise: Promise<unknown>,
  code: string,
  session: string,
): Promise<InferenceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof InferenceError))
    throw new Error(`expected an InferenceError, got ${error}`);
  expect(error).toMatchObject({ code, session });
  return error;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

describe("InferencePool on the tiny SD fixture", { timeout: 60_000 }, () => {
  let pool: InferencePool;

  beforeAll(async () => {
    pool = await InferencePool.start({
      workers: 1,
      executionProviders: ["cpu"],
      intraOpThreads: 1,
    });
    await pool.loadSession("text_encoder", modelPath("text_encoder"));
    await pool.loadSession("unet", modelPath("unet"));
    await pool.loadSession("vae_decoder", modelPath("vae_decoder"));
  });

  afterAll(async () => {
    await pool.close();
  });

  it("reports the Optimum tensor names and dtypes", async () => {
    const info = await pool.loadSession("unet", modelPath("unet"));
    expect(info.inputs.map((i) => [i.name, i.type])).toEqual([
      ["sample", "float32"],
      ["timestep", "float32"],
      ["encoder_hidden_states", "float32"],
    ]);
    expect(info.outputs.map((o) => [o.name, o.type])).toEqual([["out_sample", "float32"]]);
    expect(info.inputs[0]?.shape).toEqual(["batch_size", 4, "height", "width"]);
    expect(info.executionProvider).toBe("cpu");
  });

  it("text encoder: batch 1 and 2, batched rows equal single runs", async () => {
    const a = ids([320, 587, 663]);
    const b = ids([320, 644, 804]);
    const one = await pool.run("text_encoder", { input_ids: clone(a) });
    const two = await pool.run("text_encoder", { input_ids: int32Stack([a, b]) });
    expect(one.last_hidden_state?.dims).toEqual([1, 77, HIDDEN]);
    expect(one.pooler_output?.dims).toEqual([1, HIDDEN]);
    expect(two.last_hidden_state?.dims).toEqual([2, 77, HIDDEN]);
    expect(two.pooler_output?.dims).toEqual([2, HIDDEN]);
    const hidden1 = output(one, "last_hidden_state");
    const hidden2 = output(two, "last_hidden_state");
    expect(maxAbsDiff(row(hidden2, 0), row(hidden1, 0))).toBeLessThan(1e-5);
    expect(maxAbsDiff(row(hidden2, 0), row(hidden2, 1))).toBeGreaterThan(1e-3);
  });

  for (const [h, w] of [
    [16, 28],
    [28, 16],
    [8, 8],
  ] as const) {
    it(`unet at ${h}×${w}: batch 1 and 2 agree, text and timestep matter`, async () => {
      const single = unetFeeds(1, h, w, 7);
      const other = unetFeeds(1, h, w, 8);
      const batched = {
        sample: stack([single.sample, other.sample]),
        // diffusers feeds timestep as [1]; a [batch] vector must give the same rows.
        timestep: float32([2], [7, 7]),
        encoder_hidden_states: stack([single.encoder_hidden_states, single.encoder_hidden_states]),
      };
      const one = output(await pool.run("unet", structuredClone(single)), "out_sample");
      const two = output(await pool.run("unet", batched), "out_sample");
      expect(one.type).toBe("float32");
      expect(one.dims).toEqual([1, 4, h, w]);
      expect(two.dims).toEqual([2, 4, h, w]);
      expect(maxAbsDiff(row(two, 0), row(one, 0))).toBeLessThan(1e-5);

      const otherText = {
        ...structuredClone(single),
        encoder_hidden_states: randomTensor([1, 77, HIDDEN], 1234),
      };
      const textChanged = output(await pool.run("unet", otherText), "out_sample");
      expect(maxAbsDiff(row(textChanged, 0), row(one, 0))).toBeGreaterThan(1e-4);

      const laterStep = { ...structuredClone(single), timestep: float32([1], [500]) };
      const stepChanged = output(await pool.run("unet", laterStep), "out_sample");
      expect(maxAbsDiff(row(stepChanged, 0), row(one, 0))).toBeGreaterThan(1e-4);
    });

    it(`vae decoder at ${h}×${w}: ×8 upsampling, batch rows agree`, async () => {
      const a = randomTensor([1, 4, h, w], 11);
      const b = randomTensor([1, 4, h, w], 12);
      const one = output(await pool.run("vae_decoder", { latent_sample: clone(a) }), "sample");
      const two = output(await pool.run("vae_decoder", { latent_sample: stack([a, b]) }), "sample");
      expect(one.dims).toEqual([1, 3, 8 * h, 8 * w]);
      expect(two.dims).toEqual([2, 3, 8 * h, 8 * w]);
      expect(maxAbsDiff(row(two, 0), row(one, 0))).toBeLessThan(1e-5);
    });
  }

  it("chains tokenizer → text encoder → unet → decoder, and the prompt changes the image", async () => {
    const tokenizer = await loadTokenizer(`${TINY_SD}tokenizer`);
    const image = async (prompt: string) => {
      const { ids: tokens } = tokenizer.encode(prompt, CLIP);
      const text = await pool.run("text_encoder", { input_ids: int32([1, 77], tokens) });
      const noise = await pool.run("unet", {
        sample: randomTensor([1, 4, 16, 28], 42),
        timestep: float32([1], [981]),
        encoder_hidden_states: output(text, "last_hidden_state"),
      });
      return output(
        await pool.run("vae_decoder", { latent_sample: output(noise, "out_sample") }),
        "sample",
      );
    };
    const red = await image("a red circle");
    const blue = await image("a blue square");
    expect(red.dims).toEqual([1, 3, 128, 224]);
    expect(maxAbsDiff(row(red, 0), row(blue, 0))).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(row(red, 0), row(await image("a red circle"), 0))).toBe(0);
  });

  it("transfers buffers: feeds are detached, outputs own their buffer", async () => {
    const latent = randomTensor([1, 4, 8, 8], 5);
    const out = output(await pool.run("vae_decoder", { latent_sample: latent }), "sample");
    expect(latent.data.length).toBe(0); // detached by the transfer
    expect(out.data.byteOffset).toBe(0);
    expect(out.data.buffer.byteLength).toBe(out.data.byteLength);
  });

  it("rejects a wrong input name or shape with a typed error and keeps serving", async () => {
    const badName = await expectRejectsWith(
      pool.run("unet", { ...unetFeeds(1, 8, 8, 1), latents: randomTensor([1, 4, 8, 8], 2) }),
      "RUN_FAILED",
      "unet",
    );
    expect(badName.message).toContain('unknown input "latents"');

    const { sample: _dropped, ...missing } = unetFeeds(1, 8, 8, 1);
    await expectRejectsWith(pool.run("unet", missing), "RUN_FAILED", "unet");

    await expectRejectsWith(
      pool.run("vae_decoder", { latent_sample: randomTensor([1, 3, 8, 8], 3) }),
      "RUN_FAILED",
      "vae_decoder",
    );
    await expectRejectsWith(
      pool.run("text_encoder", { input_ids: float32([1, 77], new Array(77).fill(1)) }),
      "RUN_FAILED",
      "text_encoder",
    );
    await expectRejectsWith(pool.run("nope", {}), "UNKNOWN_SESSION", "nope");
    await expectRejectsWith(
      pool.loadSession("missing", "/nonexistent/model.onnx"),
      "LOAD_FAILED",
      "missing",
    );

    const ok = await pool.run("unet", unetFeeds(1, 8, 8, 1));
    expect(ok.out_sample?.dims).toEqual([1, 4, 8, 8]);
  });

  it("drops a run aborted before it starts without computing it", async () => {
    const before = pool.stats()[0]?.runsStarted ?? 0;
    const heavy = pool.run("vae_decoder", heavyFeeds());
    const controller = new AbortController();
    const queued = pool.run("unet", unetFeeds(1, 8, 8, 3), { signal: controller.signal });
    expect(pool.queueDepth()).toBe(1);
    controller.abort();
    const error = await rejection(queued);
    expect(error).toMatchObject({ name: "AbortError" });
    expect(pool.queueDepth()).toBe(0);
    await heavy;
    // Only the heavy run reached the worker.
    expect(pool.stats()[0]?.runsStarted).toBe(before + 1);

    const already = AbortSignal.abort();
    await expect(
      rejection(pool.run("unet", unetFeeds(1, 8, 8, 3), { signal: already })),
    ).resolves.toMatchObject({ name: "AbortError" });
    expect(pool.stats()[0]?.runsStarted).toBe(before + 1);
  });

  it("settles a run aborted mid-flight as aborted, after it finishes", async () => {
    const before = pool.stats()[0]?.runsStarted ?? 0;
    const controller = new AbortController();
    const running = pool.run("vae_decoder", heavyFeeds(), { signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    expect(pool.stats()[0]?.busy).toBe(true);
    controller.abort();
    expect(await rejection(running)).toMatchObject({ name: "AbortError" });
    expect(pool.stats()[0]).toMatchObject({ busy: false, runsStarted: before + 1 });
  });

  it("keeps the event loop turning while a large run is in flight", async () => {
    let ticks = 0;
    let done = false;
    const spin = () => {
      if (done) return;
      ticks++;
      setImmediate(spin);
    };
    setImmediate(spin);
    await pool.run("vae_decoder", heavyFeeds());
    done = true;
    expect(ticks).toBeGreaterThanOrEqual(10);
  });

  it("rejects work sent to a worker that crashes and restarts it on next use", async () => {
    pool.crashWorker(0);
    // Sent after the crash order: it is pending in the worker when the thread dies.
    const error = await expectRejectsWith(
      pool.run("vae_decoder", { latent_sample: randomTensor([1, 4, 8, 8], 1) }),
      "WORKER_CRASHED",
      "vae_decoder",
    );
    expect(error.message).toMatch(/worker died during run/);
    expect(pool.stats()[0]?.alive).toBe(false);

    // Next use spawns a fresh worker that reloads every session.
    const out = await pool.run("unet", unetFeeds(1, 16, 28, 4));
    expect(out.out_sample?.dims).toEqual([1, 4, 16, 28]);
    expect(pool.stats()[0]).toMatchObject({ alive: true, runsStarted: 1 });
  });
});

describe("InferencePool lifecycle", { timeout: 60_000 }, () => {
  it("spreads runs over workers and close() terminates them", async () => {
    const pool = await InferencePool.start({
      workers: 2,
      executionProviders: ["cpu"],
      intraOpThreads: 1,
    });
    await pool.loadSession("unet", modelPath("unet"));
    const runs = [1, 2, 3, 4].map((seed) => pool.run("unet", unetFeeds(1, 8, 8, seed)));
    await Promise.all(runs);
    const stats = pool.stats();
    expect(stats.map((s) => s.alive)).toEqual([true, true]);
    expect(stats.reduce((n, s) => n + s.runsStarted, 0)).toBe(4);
    expect(stats.every((s) => s.runsStarted > 0)).toBe(true);

    // Two runs go to the workers, the third waits in the queue.
    const inFlight = [1, 2].map((seed) => pool.run("unet", unetFeeds(1, 8, 8, seed)));
    const queued = pool.run("unet", unetFeeds(1, 8, 8, 3));
    const settled = Promise.allSettled([...inFlight, queued]);
    await pool.close();
    expect(pool.stats().map((s) => s.alive)).toEqual([false, false]);
    const results = await settled;
    expect(results[2]).toMatchObject({ status: "rejected", reason: { code: "POOL_CLOSED" } });
    for (const result of results.slice(0, 2)) {
      // Runs that reached a worker finish; ones still being handed over are refused.
      if (result.status === "rejected")
        expect(result.reason).toMatchObject({ code: "POOL_CLOSED" });
    }
    await expectRejectsWith(pool.run("unet", unetFeeds(1, 8, 8, 1)), "POOL_CLOSED", "unet");
  });
});
