import { describe, expect, it } from "vitest";
import { OnnxSession } from "../../src/backend/onnx-backend";
import { float32, int32, int64 } from "../../src/backend/tensor-data";
import { modelPath, randomTensor } from "./helpers";

describe("OnnxSession (in-thread backend)", () => {
  it("falls back from an unavailable CUDA provider to cpu, saying so once", async () => {
    const warnings: string[] = [];
    const warn = (message: string) => warnings.push(message);
    const first = await OnnxSession.create(modelPath("vae_decoder"), {
      executionProviders: ["cuda", "cpu"],
      intraOpThreads: 1,
      warn,
    });
    const second = await OnnxSession.create(modelPath("unet"), {
      executionProviders: ["cuda", "cpu"],
      intraOpThreads: 1,
      warn,
    });
    if (first.info.executionProvider === "cuda") {
      expect(warnings).toEqual([]); // a CUDA host: nothing to fall back from
    } else {
      expect(first.info.executionProvider).toBe("cpu");
      expect(second.info.executionProvider).toBe("cpu");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/"cuda" is unavailable/);
    }
    await first.release();
    await second.release();
  });

  it("exposes metadata and runs the text encoder with int32 ids", async () => {
    const session = await OnnxSession.create(modelPath("text_encoder"), {
      executionProviders: ["cpu"],
      intraOpThreads: 1,
    });
    expect(session.info.inputs).toEqual([
      { name: "input_ids", type: "int32", shape: ["batch_size", "sequence_length"] },
    ]);
    expect(session.info.outputs).toEqual([
      { name: "last_hidden_state", type: "float32", shape: ["batch_size", "sequence_length", 32] },
      { name: "pooler_output", type: "float32", shape: ["batch_size", 32] },
    ]);
    const ids = [826, 320, 587, 827];
    while (ids.length < 77) ids.push(827);
    const out = await session.run({ input_ids: int32([1, 77], ids) }, ["pooler_output"]);
    expect(Object.keys(out)).toEqual(["pooler_output"]);
    expect(out.pooler_output?.dims).toEqual([1, 32]);
    await session.release();
  });

  it("rejects unknown inputs and wrong dtypes with onnxruntime's message", async () => {
    const session = await OnnxSession.create(modelPath("vae_decoder"), {
      executionProviders: ["cpu"],
      intraOpThreads: 1,
    });
    await expect(
      session.run({ latent_sample: randomTensor([1, 4, 8, 8], 1), extra: float32([1], [0]) }),
    ).rejects.toThrow(/unknown input "extra"/);
    await expect(session.run({ latent_sample: int64([1, 4, 1, 1], [1, 2, 3, 4]) })).rejects.toThrow(
      /type|int64|float/i,
    );
    await session.release();
  });

  it("checks element counts when building tensors", () => {
    expect(() => float32([2, 2], [1, 2, 3])).toThrow(RangeError);
    expect(int64([2], [1, 2n]).data).toEqual(BigInt64Array.from([1n, 2n]));
  });
});
