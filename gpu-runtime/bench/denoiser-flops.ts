/**
 * The denoiser's FLOPs per step at each of a bundle's buckets, counted from its served ONNX
 * graph by `bench/onnx_flops.py` (ONNX shape inference at the bucket's shapes, 2 × the
 * multiply-accumulates of every Conv, ConvTranspose, MatMul, Gemm and Einsum), so the count
 * follows whatever architecture the bundle ships rather than a formula for today's U-Net.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { z } from "zod";
import { ROOT } from "./bench-settings";

const BucketFlops = z.object({
  name: z.string(),
  latent: z.tuple([z.number(), z.number()]),
  /** 2 × MACs of the matrix ops: what "FLOPs per step" means in the report. */
  flops: z.number(),
  /** Elementwise ops, norms, softmax, bias adds at 1 FLOP per output element, kept apart. */
  other_flops: z.number(),
  other_share: z.number(),
});
const CounterOutput = z.object({
  file: z.string(),
  batch: z.number(),
  buckets: z.array(BucketFlops),
});

export type BucketFlops = z.infer<typeof BucketFlops>;

/**
 * Runs the counter on `bundleDir`'s denoiser at `batch` (2: one classifier-free-guidance pair
 * per step) and returns its counts by bucket name. Throws when the counter cannot account for
 * every matrix op, so the report never shows an undercount.
 */
export function denoiserFlops(bundleDir: string, batch: number): Map<string, BucketFlops> {
  const out = execFileSync(
    "/usr/bin/python3",
    ["bench/onnx_flops.py", "--bundle", bundleDir, "--batch", String(batch)],
    { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  const result = CounterOutput.parse(JSON.parse(out));
  return new Map(result.buckets.map((bucket) => [bucket.name, bucket]));
}
