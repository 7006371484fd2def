"""The whole data loop with one command, deterministic for a seed:

    /usr/bin/python3 -m training.data [--quick] [--seed N] [--out DIR] [--work DIR]

On a GPU machine, train the captioner there and finish here (export and evaluation need node):

    python3 -m training.data --config gpu --device cuda --workers 14 --until captioner  # there
    /usr/bin/python3 -m training.data --config gpu                                     # here, same --work

Stages: world -> captioner (pretrain, short, descriptive) -> recaption + blends -> judge eval
-> export (ONNX + tokenizer + model.json) -> ONNX eval (onnxruntime-node) -> model card.
The default run writes the bundle to models/limner-mini; --quick writes to a temp dir
unless --out says otherwise. Scratch (checkpoints, manifest, blends, dumps) goes to --work;
finished captioner stages found there are resumed, so pass a fresh --work after code changes.
"""

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import torch

from ..captioner.dump import dump
from ..captioner.model import Captioner
from ..captioner.score_onnx import score_results
from ..captioner.tokenizer import Tokenizer, build_vocab
from ..captioner.train import TrainConfig, train
from ..judge.accuracy import judge_accuracy
from ..recaption.blend import write_blend
from ..recaption.manifest import mean_clip_score, write_manifest
from ..paths import BUNDLE, GPU_RUNTIME, RUNS, TSX
from ..world.sample import iter_samples
from .bundle import bundle_bytes, write_bundle
from .card import write_card
from .config import CONFIGS



def onnx_eval(bundle: Path, data: Path, results: Path, *options: str) -> None:
    """Captions a dump with the exported captioner as the runtime serves it (eval/caption-eval.ts)."""
    subprocess.run([str(TSX), str(GPU_RUNTIME / "eval" / "caption-eval.ts"), "--bundle", str(bundle),
                    "--data", str(data), "--out", str(results), *options], check=True, cwd=GPU_RUNTIME)


def train_device(checkpoints: Path, cfg) -> str:
    """What the captioner stages ran on, as their timing files recorded it (e.g. "NVIDIA H200")."""
    names = {json.loads((checkpoints / f"stage_{s.name}.json").read_text()).get("device_name", "cpu") for s in cfg.stages}
    return ", ".join(sorted(names))


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="every stage, tiny sizes (< 3 min); same as --config quick")
    ap.add_argument("--config", choices=sorted(CONFIGS), default="full", help="run sizes (default: full, the CPU run)")
    ap.add_argument("--steps-scale", type=float, default=1.0, help="multiply every captioner stage's steps (fit a time budget)")
    ap.add_argument("--device", default="cpu", help="torch device for captioner training, e.g. cuda")
    ap.add_argument("--workers", type=int, default=0, help="processes rendering training batches (0: in the training process)")
    ap.add_argument("--until", choices=["captioner"], help="stop after training the captioner (e.g. on a GPU machine without node)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="bundle dir (default: models/limner-mini, or a temp dir with --quick)")
    ap.add_argument("--work", type=Path, help="scratch dir (default: training/runs/<config>-seed<N>, or inside --out with --quick)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    cfg = CONFIGS["quick" if args.quick else args.config]
    if args.steps_scale != 1.0:
        cfg = cfg.scaled(args.steps_scale)
    quick = cfg.name == "quick"
    out = args.out or (Path(tempfile.mkdtemp(prefix="limner-quick-")) if quick else BUNDLE)
    work = args.work or ((out / "work") if quick else RUNS / f"{cfg.name}-seed{args.seed}")
    work.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.threads)
    t0 = time.time()

    def log(msg: str) -> None:
        print(f"[{time.time() - t0:7.1f}s] {msg}", flush=True)

    metrics: dict = {"seed": args.seed, "quick": quick, "config": cfg.name, "steps_scale": args.steps_scale}
    log(f"limner-mini data loop: config={cfg.name} seed={args.seed} out={out} work={work}")

    log("stage 1/7 world: vocabulary and generation throughput")
    tok = Tokenizer(build_vocab())
    start = time.time()
    for _ in iter_samples(args.seed, "labelled", 0, cfg.world_probe):
        pass
    rate = cfg.world_probe / (time.time() - start)
    metrics["world"] = {"samples_per_s": rate}
    metrics["vocab_size"] = tok.size
    log(f"  {cfg.world_probe} samples at {rate:.0f}/s; vocabulary {tok.size} tokens")

    log("stage 2/7 captioner: pretrain (contrastive + captioning), short fine-tune, descriptive fine-tune")
    torch.manual_seed(args.seed)
    model = Captioner(tok.size)
    train_started = time.time()
    timings = train(model, tok, args.seed,
                    TrainConfig(cfg.labelled_size, cfg.batch_size, cfg.stages, cfg.warmup, args.device, args.workers),
                    work / "checkpoints", log)
    if args.until == "captioner":
        log(f"stopped after the captioner (--until captioner); checkpoints in {work / 'checkpoints'}")
        return metrics
    metrics["train_seconds"] = timings
    metrics["train_device"] = train_device(work / "checkpoints", cfg)
    train_wall = time.time() - train_started
    metrics["run_config"] = {"batch_size": cfg.batch_size, "labelled_size": cfg.labelled_size,
                             "stages": [s.__dict__ for s in cfg.stages]}

    log("stage 3/7 recaption: manifest of the unlabelled set, caption blends")
    manifest = work / "manifest.jsonl"
    write_manifest(model, tok, args.seed, cfg.recaption_size, manifest, log=log)
    blends = []
    for kind, ratio in cfg.blends:
        path = work / f"blend_{kind}_{ratio}.jsonl"
        realised = write_blend(manifest, ratio, kind, args.seed, path)
        blends.append({"kind": kind, "ratio": ratio, "realised": realised, "file": str(path)})
        log(f"  blend {kind} {ratio}: {realised:.3%} synthetic -> {path}")
    metrics["recaption"] = {"images": cfg.recaption_size, "manifest": str(manifest),
                            "mean_clip_score": mean_clip_score(manifest), "blends": blends}

    log("stage 4/7 judge: accuracy on held-out ground-truth renders")
    metrics["judge"] = judge_accuracy(args.seed, cfg.judge_eval)
    log(f"  {json.dumps(metrics['judge'])}")

    log("stage 5/7 export: ONNX (opset 17), tokenizer.json, model.json")
    write_bundle(model, tok, out, metrics["judge"], {"seed": args.seed, "config": cfg.name, **metrics["run_config"]})
    metrics["sizes"] = {
        name: {"file": f"captioner/{name}.onnx", "params": sum(p.numel() for p in part.parameters()),
               "bytes": (out / "captioner" / f"{name}.onnx").stat().st_size}
        for name, part in (("image_encoder", model.encoder), ("text_decoder", model.decoder), ("text_tower", model.tower))
    }

    log("stage 6/7 onnx eval: held-out captions with onnxruntime-node")
    eval_dir = work / "onnx_eval"
    shutil.rmtree(eval_dir, ignore_errors=True)
    dump(args.seed, "heldout", cfg.onnx_eval, eval_dir)
    results = eval_dir / "results.json"
    onnx_eval(out, eval_dir, results)
    metrics["onnx_eval"] = score_results(eval_dir, results)
    log(f"  {json.dumps(metrics['onnx_eval'])}")
    ungrounded = eval_dir / "results_ungrounded.json"
    onnx_eval(out, eval_dir, ungrounded, "--modes", "descriptive", "--count-grounding", "off")
    metrics["ungrounded"] = score_results(eval_dir, ungrounded)["descriptive"]
    log(f"  without count grounding: {json.dumps(metrics['ungrounded'])}")

    log("stage 7/7 model card")
    if cfg.name == "gpu":
        # The time target is about the CPU path: quote the default run's own measurements.
        cpu_run = work.parent / f"full-seed{args.seed}" / "metrics.json"
        metrics["cpu_reference"] = json.loads(cpu_run.read_text()) if cpu_run.exists() else None
    # Stages resumed from checkpoints count with the time they took when they ran.
    metrics["total_seconds"] = time.time() - t0 - train_wall + sum(timings.values())
    metrics["bundle_bytes"] = bundle_bytes(out)
    metrics["data_loop_bytes"] = bundle_bytes(out, ("tokenizer.json", "captioner"))
    metrics["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    write_card(out, metrics)
    metrics["bundle_bytes"] = bundle_bytes(out)
    (work / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    log(f"done in {metrics['total_seconds'] / 60:.1f} min; bundle {metrics['bundle_bytes'] / 1e6:.2f} MB at {out}")
    return metrics


if __name__ == "__main__":
    main()
