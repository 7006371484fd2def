"""Prompt following of an exported bundle through onnxruntime-node (never the PyTorch weights):
the model card's prompt-following table with one command, deterministic for a seed.

    /usr/bin/python3 -m training.image.evaluate --seed 0 [--quick] [--bundle DIR] [--work DIR]
        [--variants short,short+upsample,descriptive] [--limit PROMPTS] [--threads 2]
        [--vae-encoder FILE | --no-cap] [--providers cpu]

Writes the held-out suite and each item's ground-truth render (training.image.suite), runs
`gpu-runtime/eval/eval-image.ts` — the runtime's own loader and pipelines generate every prompt
(short / descriptive, with and without the learned upsampler), the judge reads each image back,
and reads the renders and their VAE round trips for the cap — then rewrites the "Prompt
following" part of the bundle's MODEL_CARD.md (creating the image-model section if the card has
none). Defaults: the committed bundle, the full suite (SUITE_SIZES), the card's variants
(CARD_VARIANTS), the VAE encoder of the run that trained the bundle
(training/runs/image-seed<N>/eval/vae_encoder.onnx). `--quick` is a few prompts per category
on all four variants (seconds on tiny-limner; CI runs it). `--limit` runs a slice of the suite
(categories interleaved) to time it, prints the full size's extrapolated wall time, and leaves
the card alone.

The training run (training.image) calls `evaluate_bundle`, which adds the decoder comparison.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..paths import BUNDLE, GPU_RUNTIME, REPO, TSX
from .config import main_run_work
from .prompt_card import rewrite_prompt_following

ALL_VARIANTS = "short,short+upsample,descriptive,descriptive+upsample"
# What the card shows: descriptive+upsample (an upsampler rewriting a caption that already
# says everything) is left out so the full suite fits ~30 min on 2 CPU cores.
CARD_VARIANTS = "short,short+upsample,descriptive"


@dataclass(frozen=True)
class SuiteSize:
    per_category: int
    binding_per_category: int  # colour, shape, texture: the card's targets
    images: int  # per prompt, different seeds

    @property
    def prompts(self) -> int:
        return 3 * self.binding_per_category + 5 * self.per_category


# Full: 200 prompts x 2 images gives a binding cell a 95 % half-width of 1.96 * sqrt(p(1-p)(1+r)/400),
# r the correlation of a prompt's two images: 4.9 points at p = 0.5 with independent images, 4.8 at
# p = 0.2 with r = 0.5; at worst (r = 1, p = 0.5) 6.9. 100 prompts elsewhere: about 1.4x wider.
# The card prints the widest binding half-width it got. About 27 min on 2 idle cores for CARD_VARIANTS.
SUITE_SIZES = {"full": SuiteSize(100, 200, 2), "quick": SuiteSize(2, 2, 2)}


def write_suite(work: Path, seed: int, size: SuiteSize, gt_images: int = 0) -> tuple[Path, Path, Path]:
    """The suite JSON, its items' renders and (gt_images > 0) held-out renders for the decoders."""
    suite, renders, gt = work / "eval" / "suite.json", work / "eval" / "renders", work / "eval" / "gt"
    cmd = [sys.executable, "-m", "training.image.suite", "--seed", str(seed), "--per-category", str(size.per_category),
           "--binding-per-category", str(size.binding_per_category), "--images", str(size.images),
           "--out", str(suite), "--renders", str(renders)]
    if gt_images:
        cmd += ["--gt-images", str(gt_images), "--gt-dir", str(gt)]
    subprocess.run(cmd, check=True, cwd=REPO)
    return suite, renders, gt


def run_harness(bundle: Path, suite: Path, out: Path, variants: str = ALL_VARIANTS,
                decoders: tuple[Path, Path, Path, int] | None = None, limit: int | None = None,
                cap: tuple[Path, Path] | None = None, seed: int = 0, threads: int | None = None,
                providers: str | None = None) -> dict:
    """decoders = (ground-truth dir, vae_encoder.onnx, teacher.onnx, teacher steps); cap = (renders
    dir, vae_encoder.onnx); limit = suite prompts (categories interleaved)."""
    cmd = [str(TSX), "eval/eval-image.ts", "--bundle", str(bundle), "--suite", str(suite),
           "--out", str(out), "--variants", variants, "--seed", str(seed)]
    if limit is not None:
        cmd += ["--limit", str(limit)]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    if providers is not None:
        cmd += ["--providers", providers]
    if cap is not None:
        cmd += ["--renders", str(cap[0]), "--vae-encoder", str(cap[1])]
    if decoders is not None:
        gt, encoder, teacher, steps = decoders
        if cap is not None and cap[1] != encoder:
            raise ValueError("the cap and the decoders must use the same VAE encoder")
        cmd += ["--gt-dir", str(gt), "--vae-encoder", str(encoder), "--teacher", str(teacher),
                "--teacher-steps", str(steps)]
    subprocess.run(cmd, check=True, cwd=GPU_RUNTIME)
    return json.loads(out.read_text())


def evaluate_bundle(bundle: Path, work: Path, seed: int, cfg, log=print) -> dict:
    """The training run's evaluation: the suite at its size for `cfg`, the cap, the decoders."""
    quick = cfg.name.startswith("quick")
    suite, renders, gt = write_suite(work, seed, SUITE_SIZES["quick" if quick else "full"], cfg.decoder_eval)
    log(f"  suite {suite}; renders {renders}; ground truth {gt}")
    eval_dir = work / "eval"
    encoder = eval_dir / "vae_encoder.onnx"
    return run_harness(bundle, suite, eval_dir / "results.json", ALL_VARIANTS if quick else CARD_VARIANTS,
                       (gt, encoder, eval_dir / "consistency_teacher.onnx", cfg.teacher_eval_steps),
                       cap=(renders, encoder), seed=seed)


def command_line(args: argparse.Namespace) -> str:
    """How the card names the command that measured it."""
    parts = ["/usr/bin/python3 -m training.image.evaluate", f"--seed {args.seed}"]
    if args.quick:
        parts.append("--quick")
    if args.bundle != BUNDLE:
        parts.append(f"--bundle {args.bundle}")
    if args.variants != (ALL_VARIANTS if args.quick else CARD_VARIANTS):
        parts.append(f"--variants {args.variants}")
    return " ".join(parts)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="a few prompts per category, all variants (seconds)")
    ap.add_argument("--bundle", type=Path, default=BUNDLE)
    ap.add_argument("--work", type=Path, help="suite, renders and results (default: the run's work dir)")
    ap.add_argument("--variants", help=f"default {CARD_VARIANTS} ({ALL_VARIANTS} with --quick)")
    ap.add_argument("--limit", type=int, help="prompts of the suite to run (a timing slice; the card is left alone)")
    ap.add_argument("--threads", type=int, default=2, help="threads per ONNX session")
    ap.add_argument("--providers", help="execution providers (the harness's default: cuda,cpu)")
    ap.add_argument("--vae-encoder", type=Path, help="for the judge's cap (default: the run's eval/vae_encoder.onnx)")
    ap.add_argument("--no-cap", action="store_true", help="skip the judge on renders and VAE round trips")
    args = ap.parse_args(argv)
    args.variants = args.variants or (ALL_VARIANTS if args.quick else CARD_VARIANTS)
    size = SUITE_SIZES["quick" if args.quick else "full"]
    run_work = main_run_work(args.seed)
    work = args.work or (Path(tempfile.mkdtemp(prefix="limner-eval-")) if args.quick else run_work / "prompt-following")
    encoder = args.vae_encoder or run_work / "eval" / "vae_encoder.onnx"
    if not args.no_cap and not encoder.exists():
        ap.error(f"no VAE encoder at {encoder} (the training run exports it): give --vae-encoder or --no-cap")

    started = time.time()
    suite, renders, _ = write_suite(work, args.seed, size)
    harness_started = time.time()
    results = run_harness(args.bundle, suite, work / "eval" / "results.json", args.variants, limit=args.limit,
                          cap=None if args.no_cap else (renders, encoder), seed=args.seed, threads=args.threads,
                          providers=args.providers)
    seconds = time.time() - harness_started
    prompts = len({item["id"] for item in results["suite"]["items"]})
    print(f"harness: {prompts} prompts x {len(args.variants.split(','))} variants in {seconds / 60:.1f} min "
          f"(suite written in {harness_started - started:.0f} s)")
    if args.limit is not None:
        full = size.prompts
        print(f"extrapolated to the whole suite ({full} prompts): {seconds * full / prompts / 60:.0f} min "
              "(start-up counted once per prompt slice, so a slight over-estimate); card left alone")
        return results
    card = args.bundle / "MODEL_CARD.md"
    rewrite_prompt_following(args.bundle, results, command_line(args), args.seed)
    print(f"rewrote the prompt-following table of {card}")
    if args.quick and args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
