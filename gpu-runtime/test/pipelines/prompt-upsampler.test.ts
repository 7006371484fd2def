/**
 * PromptUpsamplerPipeline on tiny-limner's seq2seq upsampler (random weights; the fixture's
 * decoder raises the EOS logit with every position, so greedy decoding ends by itself) through
 * a real InferencePool worker.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferencePool } from "../../src/backend/inference-pool";
import { parsePrompt } from "../../src/judge/prompt-parser";
import { type LimnerBundle, loadBundle } from "../../src/models/load-bundle";
import type { PromptUpsamplerPipeline } from "../../src/pipelines/prompt-upsampler";
import { keepsFacts } from "../../src/prompt-grounding/ground-caption";
import { readPromptFacts } from "../../src/prompt-grounding/prompt-facts";

const TINY_LIMNER = resolve(import.meta.dirname, "../fixtures/tiny-limner");
const VOCAB = new Set(
  Object.keys(
    (
      JSON.parse(readFileSync(join(TINY_LIMNER, "tokenizer.json"), "utf8")) as {
        model: { vocab: Record<string, number> };
      }
    ).model.vocab,
  ),
);

let pool: InferencePool;
let bundle: LimnerBundle;
let upsampler: PromptUpsamplerPipeline;

/** The bundle's upsampler, loaded through `pool`. */
async function loadUpsampler(through: InferencePool, keyPrefix: string) {
  const loaded = await loadBundle(TINY_LIMNER, { pool: through, keyPrefix });
  if (!loaded.upsampler) throw new Error("tiny-limner has no upsampler");
  return { bundle: loaded, upsampler: loaded.upsampler };
}

beforeAll(async () => {
  pool = await InferencePool.start({ workers: 1, executionProviders: ["cpu"], intraOpThreads: 1 });
  ({ bundle, upsampler } = await loadUpsampler(pool, "tiny-limner"));
});
afterAll(async () => {
  await bundle?.dispose();
  await pool?.close();
});

const words = (text: string) => text.split(" ");

describe("PromptUpsamplerPipeline", () => {
  it("decodes deterministically into vocabulary words, no special tokens", async () => {
    const first = (await upsampler.upsampleDetailed("a red circle")).modelText;
    expect((await upsampler.upsampleDetailed("a red circle")).modelText).toBe(first);
    expect(first.length).toBeGreaterThan(0);
    for (const word of words(first)) {
      expect(VOCAB.has(word)).toBe(true);
      expect(word).not.toMatch(/^\[(PAD|BOS|EOS|UNK)\]$/);
    }
    expect((await upsampler.upsampleDetailed("two blue stars")).modelText).not.toBe(first);
  });

  it("stops at EOS before the manifest's length limit", async () => {
    expect(upsampler.maxNewTokens).toBe(39);
    for (const prompt of ["a red circle", "two blue stars next to a green heart", "square"]) {
      const n = words((await upsampler.upsampleDetailed(prompt)).modelText).length;
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThan(upsampler.maxNewTokens);
    }
  });

  it("never writes more than maxNewTokens, and greedy prefixes agree", async () => {
    const full = words((await upsampler.upsampleDetailed("a tiny striped triangle")).modelText);
    const short = words(
      (await upsampler.upsampleDetailed("a tiny striped triangle", { maxNewTokens: 2 })).modelText,
    );
    expect(short.length).toBeLessThanOrEqual(2);
    expect(full.slice(0, short.length)).toEqual(short);
  });

  it("serves English that keeps the prompt's facts, repairing the random model's rewrite", async () => {
    const prompt = "a red star above two striped circles on a navy background";
    const served = await upsampler.upsampleDetailed(prompt);
    // Random weights never write a faithful caption: what is served is the repair.
    expect(served.repair).toBe("rewritten");
    expect(served.text).toBe(await upsampler.upsample(prompt));
    expect(keepsFacts(readPromptFacts(prompt), parsePrompt(served.text))).toBe(true);
    expect(served.text).toMatch(/^[A-Z]/);
    expect(served.text).not.toMatch(/ [.,]/);
    // A prompt that names no shape has nothing to keep: the model's words are served.
    const vague = await upsampler.upsampleDetailed("something nice");
    expect(vague.repair).toBe("none");
  });

  it("truncates long prompts to the encoder's length instead of failing", async () => {
    const long = Array.from({ length: 200 }, (_, i) => (i % 2 ? "red" : "circle")).join(" ");
    await expect(upsampler.upsample(long)).resolves.toEqual(expect.any(String));
  });

  it("rejects with the signal's reason when aborted, before or during decoding", async () => {
    const before = new AbortController();
    before.abort(new Error("stopped early"));
    await expect(upsampler.upsample("a red circle", { signal: before.signal })).rejects.toThrow(
      "stopped early",
    );
    const during = new AbortController();
    const pending = upsampler.upsample("a red circle", { signal: during.signal });
    // The encoder run is already with the pool when this aborts.
    during.abort(new Error("stopped midway"));
    await expect(pending).rejects.toThrow("stopped midway");
    // The pool keeps serving afterwards.
    await expect(upsampler.upsample("a red circle")).resolves.toEqual(expect.any(String));
  });

  it("checks the signal between decoder steps and stops calling the model", async () => {
    const controller = new AbortController();
    let runs = 0;
    // The real pool, counting runs; the signal aborts after the encoder and two decoder steps.
    const counting = new Proxy(pool, {
      get(target, prop) {
        if (prop === "run") {
          return async (...args: Parameters<InferencePool["run"]>) => {
            const out = await target.run(...args);
            if (++runs === 3) controller.abort(new Error("stopped between steps"));
            return out;
          };
        }
        const value: unknown = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const { bundle: watchedBundle, upsampler: watched } = await loadUpsampler(
      counting,
      "tiny-limner-abort",
    );
    await expect(watched.upsample("a red circle", { signal: controller.signal })).rejects.toThrow(
      "stopped between steps",
    );
    expect(runs).toBe(3);
    await watchedBundle.dispose();
  });
});
