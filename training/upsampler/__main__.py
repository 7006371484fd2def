"""Rebuilds limner-mini's prompt upsampler and measures it as it is served.

    /usr/bin/python3 -m training.upsampler [--seed 0] [--quick] [--out BUNDLE] [--per-style 200]

1. trains the seq2seq on (user-like prompt, descriptive caption) pairs (checkpointed in the
   work dir; a finished checkpoint is reused, an unfinished one resumed);
2. exports its two ONNX graphs into the bundle and replaces model.json's `upsampler` entry;
3. writes `--per-style` held-out prompts of every style with the facts they state, has the
   runtime's own pipeline rewrite them on onnxruntime-node (`gpu-runtime/eval/upsampler-eval.ts`:
   the model's rewrite and the served one, repaired where it broke a stated fact), and scores
   both against those facts: faithful (every stated fact kept, nothing invented, consistent)
   and contradictions, with Wilson 95 % intervals;
4. writes the model card's upsampler section.
"""

import argparse
from collections import Counter
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import torch

from ..captioner.tokenizer import Tokenizer, build_vocab
from ..image.prompts import PROMPT_STYLES, Prompt
from ..paths import BUNDLE, GPU_RUNTIME, RUNS, TSX
from .card import write_upsampler_card
from .export import export_upsampler
from .fidelity import heldout_prompts, score_rewrites
from .model import DEFAULT_BATCH, DEFAULT_STEPS
from .train import train_upsampler

QUICK = {"steps": 3, "batch": 4, "per_style": 3}


def rewrite_with_runtime(bundle: Path, prompts: list[Prompt], out: Path) -> dict:
    """The runtime's pipeline on every prompt: {"results": [{text, model_text, repair}], "ms_per_prompt"}."""
    source = out.with_suffix(".prompts.json")
    source.write_text(json.dumps({"prompts": [{"style": p.style, "prompt": p.text} for p in prompts]}))
    subprocess.run([str(TSX), "eval/upsampler-eval.ts", "--bundle", str(bundle), "--prompts", str(source),
                    "--out", str(out)], check=True, cwd=GPU_RUNTIME)
    return json.loads(out.read_text())


def merge_upsampler_entry(bundle: Path, entry: dict, training: dict) -> None:
    """Replaces only model.json's `upsampler` component (the other pipelines own the rest)."""
    path = bundle / "model.json"
    manifest = json.loads(path.read_text())
    manifest["components"]["upsampler"] = entry
    manifest["upsampler_training"] = training
    path.write_text(json.dumps(manifest, indent=2) + "\n")


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="toy sizes into a copy of the bundle (seconds)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="bundle dir (default: the committed limner-mini; --quick: a temp copy)")
    ap.add_argument("--work", type=Path, help="checkpoint and eval dir (default training/runs/upsampler-seed<N>)")
    ap.add_argument("--per-style", type=int, default=200, help="held-out prompts per style")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    steps, batch = (QUICK["steps"], QUICK["batch"]) if args.quick else (DEFAULT_STEPS, DEFAULT_BATCH)
    per_style = QUICK["per_style"] if args.quick else args.per_style
    out = args.out or BUNDLE
    if args.quick and args.out is None:
        # Toy weights must never overwrite the committed bundle: work on a copy of it.
        out = Path(tempfile.mkdtemp(prefix="limner-upsampler-quick-")) / "limner-mini"
        shutil.copytree(BUNDLE, out)
    work = args.work or ((out / "work") if args.quick else RUNS / f"upsampler-seed{args.seed}")
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()

    def log(msg: str) -> None:
        print(f"[{time.time() - t0:7.1f}s] {msg}", flush=True)

    tok = Tokenizer(build_vocab())
    log(f"upsampler: seed={args.seed} steps={steps} batch={batch} out={out} work={work}")
    model = train_upsampler(tok, args.seed, steps, batch, work / "upsampler.pt", log, threads=args.threads)
    torch.set_num_threads(args.threads)
    entry = export_upsampler(model, out, folder="image")
    merge_upsampler_entry(out, entry, {"seed": args.seed, "steps": steps, "batch_size": batch})
    log("exported; rewriting held-out prompts through the runtime's pipeline")
    prompts = heldout_prompts(args.seed, per_style)
    served = rewrite_with_runtime(out, prompts, work / "rewrites.json")
    results = served["results"]
    metrics = {
        "seed": args.seed, "steps": steps, "batch_size": batch, "quick": args.quick,
        "train_seconds": model.train_seconds, "ms_per_prompt": served["ms_per_prompt"],
        "styles": list(PROMPT_STYLES),
        "model": score_rewrites(prompts, [r["model_text"] for r in results]),
        "served": score_rewrites(prompts, [r["text"] for r in results]),
        "repairs": {s: Counter(r["repair"] for p, r in zip(prompts, results) if p.style == s) for s in PROMPT_STYLES},
    }
    (work / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    write_upsampler_card(out, metrics)
    log(f"done: {json.dumps({s: metrics['served'][s]['faithful'] for s in PROMPT_STYLES})} faithful of {per_style}")
    return metrics


if __name__ == "__main__":
    main()
