"""The image model's denoiser stage on a lent GPU machine, then back into a CPU run.

The GPU machine gets only what travels with the repository (no node for the ONNX evaluation,
files back of at most 16 MiB each), so the stage is split in two commands:

    there: python3 -m training.image.gpu_denoiser train --work W --out DIR [--steps N] [--time-budget-s S]
    here:  /usr/bin/python3 -m training.image.gpu_denoiser install --weights DIR --base-work B --work W2
           /usr/bin/python3 -m training.image --config gpu --work W2

`train` reads the CPU run's VAE checkpoint and recaptioned manifest from W, encodes the
latents on the GPU (float32, no TF32, so they match the CPU run's), standardises them with the
bundle's committed latent statistics (the decoders undo exactly those), trains with the `gpu`
config's denoiser settings and writes the EMA weights (text.npz, unet.npz) and denoiser.json.
`install` copies the other stages' checkpoints and data from the CPU run B into W2 and writes
W2's denoiser checkpoint, so `training.image --config gpu` resumes every stage, exports the
bundle and evaluates it.
"""

import argparse
import json
import shutil
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from ..captioner.tokenizer import Tokenizer, build_vocab
from ..paths import BUNDLE
from ..recaption.manifest import read_manifest
from .config import GPU, TRAINING_BLEND
from .dataset import LatentNorm, blend_ids, encode_latents, frame
from .denoiser import TextToLatent
from .train_denoiser import train_denoiser
from .vae import Vae

PARTS = ("text", "unet")


def committed_norm() -> LatentNorm:
    entry = json.loads((BUNDLE / "model.json").read_text())
    stats = entry["components"]["vae_decoder"]["latent_normalisation"]
    return LatentNorm(torch.tensor(stats["mean"]), torch.tensor(stats["std"]))


def train(args) -> None:
    t0 = time.time()

    def log(msg: str) -> None:
        print(f"[{time.time() - t0:7.1f}s] {msg}", flush=True)

    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    tok = Tokenizer(build_vocab())
    vae = Vae()
    vae.load_state_dict(torch.load(args.work / "checkpoints" / "vae.pt", map_location="cpu")["model"])
    vae.requires_grad_(False).eval().to(args.device)
    rows = read_manifest(args.work / "manifest.jsonl")
    args.out.mkdir(parents=True, exist_ok=True)
    cache = args.out / "latents.pt"
    cache.unlink(missing_ok=True)  # always this manifest's latents, never an earlier run's
    latents = encode_latents(vae, rows, cache, batch_size=512, log=log, device=args.device)
    cache.unlink()  # not carried back: the CPU run has its own
    norm = committed_norm()
    log(f"  latent statistics here {LatentNorm.of(latents).to_json()}; committed {norm.to_json()}")
    kind, ratio = TRAINING_BLEND
    caption_ids, realised = blend_ids(tok, rows, ratio, kind, args.seed)
    log(f"  {len(rows)} images; blend {kind} {ratio}: {realised:.3%} synthetic")
    overrides = {k: v for k, v in (("steps", args.steps), ("batch_size", args.batch)) if v is not None}
    cfg = replace(GPU.denoiser, **overrides)
    checkpoint = args.out / "denoiser.pt"
    run = train_denoiser(tok.size, latents, caption_ids, frame(tok, ""), norm, cfg, args.seed,
                         checkpoint, log, device=args.device, time_budget_s=args.time_budget_s)
    checkpoint.unlink()  # optimiser state included: too big to carry back, and not needed
    state = run.model.state_dict()
    for part in PARTS:
        np.savez(args.out / f"{part}.npz", **{k: v.numpy() for k, v in state.items() if k.startswith(f"{part}.")})
    (args.out / "denoiser.json").write_text(json.dumps(
        {"steps": run.steps, "seconds": run.seconds, "device_name": run.device,
         "config": {**cfg.__dict__, "steps": run.steps}}) + "\n")
    log(f"done: {run.steps} steps in {run.seconds:.0f} s on {run.device}; weights in {args.out}")


def install(args) -> None:
    (args.work / "checkpoints").mkdir(parents=True, exist_ok=True)
    for name in ("manifest.jsonl", "latents.pt", "data_seconds.json"):
        shutil.copy2(args.base_work / name, args.work / name)
    for path in (args.base_work / "checkpoints").iterdir():
        if path.name != "denoiser.pt":
            shutil.copy2(path, args.work / "checkpoints" / path.name)
    meta = json.loads((args.weights / "denoiser.json").read_text())
    tok = Tokenizer(build_vocab())
    model = TextToLatent(tok.size, tuple(meta["config"]["channels"]))
    weights = {}
    for part in PARTS:
        with np.load(args.weights / f"{part}.npz") as data:
            weights.update({k: torch.from_numpy(data[k]) for k in data.files})
    model.load_state_dict(weights)
    opt = torch.optim.AdamW(model.parameters())  # finished: the resume never steps it
    torch.save({"model": weights, "ema": weights, "opt": opt.state_dict(), "step": meta["steps"],
                "steps": meta["steps"], "seconds": meta["seconds"], "device_name": meta["device_name"]},
               args.work / "checkpoints" / "denoiser.pt")
    print(f"installed a {meta['steps']}-step denoiser trained on {meta['device_name']} into {args.work}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="on the GPU machine")
    t.add_argument("--work", type=Path, required=True, help="a CPU run's work dir (checkpoints/vae.pt, manifest.jsonl)")
    t.add_argument("--out", type=Path, required=True)
    t.add_argument("--steps", type=int, help="default: the gpu config's")
    t.add_argument("--batch", type=int, help="default: the gpu config's (smaller only to smoke-test on toy data)")
    t.add_argument("--time-budget-s", type=float, help="plan as many steps as fit (measured on the first 50)")
    t.add_argument("--device", default="cuda")
    t.add_argument("--seed", type=int, default=0)
    i = sub.add_parser("install", help="on the CPU machine")
    i.add_argument("--weights", type=Path, required=True, help="what `train` wrote")
    i.add_argument("--base-work", type=Path, required=True, help="the CPU run's work dir")
    i.add_argument("--work", type=Path, required=True, help="the gpu run's work dir")
    args = ap.parse_args(argv)
    {"train": train, "install": install}[args.command](args)


if __name__ == "__main__":
    main()
