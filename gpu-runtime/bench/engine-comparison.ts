/**
 * The benchmark's engine comparison: one model's per-image sequence of calls run by
 * onnxruntime on the calling thread (like PyTorch eager, which also runs on its caller's
 * thread), through the runtime's InferencePool, and by PyTorch eager (`bench/torch_eager*.py`),
 * same weights and thread count. Sessions come from the backend module, never the engine.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InferencePool } from "../src/backend/inference-pool";
import { OnnxSession } from "../src/backend/onnx-backend";
import { float32, int32, int64, type TensorData } from "../src/backend/tensor-data";
import { median, ms, ROOT, STEPS, THREADS } from "./bench-settings";

/** Same weights on both sides: regenerate the fixture (deterministic) with its torch weights. */
export function makeFixture(): { onnxDir: string; torchDir: string } {
  const dir = mkdtempSync(join(tmpdir(), "limner-bench-"));
  const onnxDir = join(dir, "tiny-sd");
  const torchDir = join(dir, "torch");
  execFileSync(
    "/usr/bin/python3",
    ["fixtures-src/make_tiny_sd.py", "--out", onnxDir, "--save-torch", torchDir],
    {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "ignore"],
    },
  );
  return { onnxDir, torchDir };
}

type Feeds = Record<string, TensorData>;

/**
 * One model's per-image sequence for the engine comparison: text encoder on [negative, prompt],
 * STEPS denoiser calls at batch 2 (classifier-free guidance), one VAE decode. File names are
 * relative to the ONNX directory; feeds are built fresh per call (the pool detaches buffers).
 */
interface EagerSpec {
  readonly files: { readonly text: string; readonly unet: string; readonly vae: string };
  readonly textFeeds: () => Feeds;
  readonly textOutput: string;
  readonly latent: readonly [channels: number, height: number, width: number];
  readonly unetFeeds: (sample: Float32Array, t: number, states: Float32Array) => Feeds;
  readonly unetOutput: string;
  readonly vaeFeeds: (x: Float32Array) => Feeds;
  readonly guidance: number;
}

export const TINY_SD: EagerSpec = {
  files: {
    text: "text_encoder/model.onnx",
    unet: "unet/model.onnx",
    vae: "vae_decoder/model.onnx",
  },
  textFeeds: () => ({ input_ids: int32([2, 77], new Array(2 * 77).fill(1)) }),
  textOutput: "last_hidden_state",
  latent: [4, 8, 8],
  unetFeeds: (sample, t, states) => ({
    sample: float32([2, 4, 8, 8], sample),
    timestep: float32([1], [t]),
    encoder_hidden_states: float32([2, 77, 32], states),
  }),
  unetOutput: "out_sample",
  vaeFeeds: (x) => ({ latent_sample: float32([1, 4, 8, 8], x) }),
  guidance: 7.5,
};

/** limner-mini's graphs as bench/torch_eager_limner.py exports them (landscape bucket). */
export const LIMNER_MINI: EagerSpec = {
  files: {
    text: "image/text_encoder.onnx",
    unet: "image/denoiser.onnx",
    vae: "image/vae_decoder.onnx",
  },
  textFeeds: () => ({ input_ids: int64([2, 100], new Array(2 * 100).fill(4)) }),
  textOutput: "last_hidden_state",
  latent: [4, 16, 28],
  unetFeeds: (sample, t, states) => ({
    sample: float32([2, 4, 16, 28], sample),
    timestep: float32([2], [t, t]),
    encoder_hidden_states: float32([2, 100, 128], states),
  }),
  unetOutput: "prediction",
  vaeFeeds: (x) => ({ latent_sample: float32([1, 4, 16, 28], x) }),
  guidance: 5,
};

/** Runs one of a spec's graphs (`text`, `unet`, `vae`). */
type SessionRunner = (graph: keyof EagerSpec["files"], feeds: Feeds) => Promise<Feeds>;

/** The spec's per-image sequence, timed over `repeats` after warm-up. */
async function timeImages(spec: EagerSpec, run: SessionRunner, repeats: number) {
  const [channels, height, width] = spec.latent;
  const plane = channels * height * width;
  const latents = new Float32Array(plane).map((_, i) => Math.sin(i));
  const oneImage = async () => {
    const start = performance.now();
    const states = (await run("text", spec.textFeeds()))[spec.textOutput];
    if (states?.type !== "float32") throw new Error("no text states");
    let x = latents.slice();
    const stepTimes: number[] = [];
    for (let t = 0; t < STEPS; t++) {
      const s0 = performance.now();
      const sample = new Float32Array(2 * plane);
      sample.set(x);
      sample.set(x, plane);
      const eps = (await run("unet", spec.unetFeeds(sample, 999 - t * 50, states.data)))[
        spec.unetOutput
      ];
      if (eps?.type !== "float32") throw new Error("no denoiser output");
      const next = new Float32Array(plane);
      for (let i = 0; i < plane; i++) {
        const u = eps.data[i] ?? 0;
        const c = eps.data[plane + i] ?? 0;
        next[i] = (x[i] ?? 0) - 0.05 * (u + spec.guidance * (c - u));
      }
      x = next;
      stepTimes.push(performance.now() - s0);
    }
    await run("vae", spec.vaeFeeds(x));
    return { image: performance.now() - start, step: median(stepTimes) };
  };
  for (let i = 0; i < 2; i++) await oneImage();
  const runs = [];
  for (let i = 0; i < repeats; i++) runs.push(await oneImage());
  return { imageMs: median(runs.map((r) => r.image)), stepMs: median(runs.map((r) => r.step)) };
}

/**
 * onnxruntime-node two ways: sessions called on this thread (the same conditions as PyTorch
 * eager, which also runs on its caller's thread), and through the runtime's InferencePool,
 * whose worker-thread hop (a message each way per call) is the price of a responsive server.
 */
export async function ortModelExecution(spec: EagerSpec, onnxDir: string, repeats: number) {
  const graphs = Object.entries(spec.files) as [keyof EagerSpec["files"], string][];
  const options = { intraOpThreads: THREADS, executionProviders: ["cpu"] };
  const sessions = new Map<string, OnnxSession>();
  for (const [graph, file] of graphs) {
    sessions.set(graph, await OnnxSession.create(join(onnxDir, file), options));
  }
  const inThread = await timeImages(
    spec,
    (graph, feeds) => {
      const session = sessions.get(graph);
      if (!session) throw new Error(`no session ${graph}`);
      return session.run(feeds);
    },
    repeats,
  );
  for (const session of sessions.values()) await session.release();

  const pool = await InferencePool.start({ ...options, log: () => {} });
  await Promise.all(graphs.map(([graph, file]) => pool.loadSession(graph, join(onnxDir, file))));
  const inWorker = await timeImages(spec, (graph, feeds) => pool.run(graph, feeds), repeats);
  await pool.close();
  return { inThread, inWorker };
}

interface EagerResult {
  image_ms_p50: number;
  step_ms_p50: number;
  torch: string;
}

type Timed = { imageMs: number; stepMs: number };

/** The model's three table rows: ORT on the calling thread, through the pool, PyTorch. */
export function engineRows(model: string, ort: { inThread: Timed; inWorker: Timed }, torch: Timed) {
  const row = (backend: string, t: Timed) =>
    `| ${model} | ${backend} | ${ms(t.imageMs)} | ${ms(t.stepMs)} | ${(t.imageMs / torch.imageMs).toFixed(2)} |`;
  return [
    row("onnxruntime-node, calling thread", ort.inThread),
    row("onnxruntime-node, worker-thread pool", ort.inWorker),
    row("PyTorch eager, calling thread", torch),
  ];
}

/** Runs a PyTorch eager script from bench/ and reads its last line of JSON. */
export function torchEager(script: string, args: string[]) {
  const out = execFileSync(
    "/usr/bin/python3",
    [`bench/${script}`, "--threads", String(THREADS), "--steps", String(STEPS), ...args],
    { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  const result = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as EagerResult;
  return { imageMs: result.image_ms_p50, stepMs: result.step_ms_p50, version: result.torch };
}
