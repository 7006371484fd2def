"""Evaluation of an exported bundle through onnxruntime-node (never the PyTorch weights).

Writes the held-out prompt suite and ground-truth images (training.image.suite), then runs
`training/eval_image.ts`, which loads the bundle with the runtime's own loader and pipelines,
generates every prompt (short / descriptive, with and without the learned upsampler), reads
each image back with the judge and compares the decoders on ground-truth latents.
"""

import json
import subprocess
import sys
from pathlib import Path

GPU_RUNTIME = Path(__file__).resolve().parents[2]
ALL_VARIANTS = "short,short+upsample,descriptive,descriptive+upsample"


def write_suite(work: Path, seed: int, per_category: int, gt_images: int) -> tuple[Path, Path]:
    suite, gt = work / "eval" / "suite.json", work / "eval" / "gt"
    subprocess.run([sys.executable, "-m", "training.image.suite", "--seed", str(seed), "--per-category",
                    str(per_category), "--out", str(suite), "--gt-images", str(gt_images), "--gt-dir", str(gt)],
                   check=True, cwd=GPU_RUNTIME)
    return suite, gt


def run_harness(bundle: Path, suite: Path, out: Path, variants: str = ALL_VARIANTS,
                decoders: tuple[Path, Path, Path, int] | None = None, limit: int | None = None) -> dict:
    """decoders = (ground-truth dir, vae_encoder.onnx, teacher.onnx, teacher steps); limit = suite items."""
    cmd = ["npx", "tsx", "training/eval_image.ts", "--bundle", str(bundle), "--suite", str(suite),
           "--out", str(out), "--variants", variants]
    if limit is not None:
        cmd += ["--limit", str(limit)]
    if decoders is not None:
        gt, encoder, teacher, steps = decoders
        cmd += ["--gt-dir", str(gt), "--vae-encoder", str(encoder), "--teacher", str(teacher),
                "--teacher-steps", str(steps)]
    subprocess.run(cmd, check=True, cwd=GPU_RUNTIME)
    return json.loads(out.read_text())


def evaluate_bundle(bundle: Path, work: Path, seed: int, cfg, log=print) -> dict:
    suite, gt = write_suite(work, seed, cfg.suite_per_category, cfg.decoder_eval)
    log(f"  suite {suite}; ground truth {gt}")
    eval_dir = work / "eval"
    return run_harness(bundle, suite, eval_dir / "results.json", ALL_VARIANTS,
                       (gt, eval_dir / "vae_encoder.onnx", eval_dir / "consistency_teacher.onnx",
                        cfg.teacher_eval_steps))
