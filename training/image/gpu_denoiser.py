"""The image model's denoiser stage on a lent GPU machine, then back into a CPU run.

The GPU machine gets only what travels with the repository (no node for the ONNX evaluation,
files back of at most 16 MiB each), so the stage is split in two commands:

    there: python3 -m training.image.gpu_denoiser train --work W --out DIR [--steps N] [--time-budget-s S]
                  [--fresh N --captioner C.pt --workers 14]
    here:  /usr/bin/python3 -m training.image.gpu_denoiser install --weights DIR --base-work B --work W2
           /usr/bin/python3 -m training.image --config gpu --work W2

`train` reads the CPU run's VAE checkpoint and recaptioned manifest from W, encodes the
latents on the GPU (float32, no TF32, so they match the CPU run's), standardises them with the
CPU run's latent statistics (W/latent_norm.json; the committed bundle's for runs from before it
was recorded), which that run's decoders undo, trains with the `gpu`
config's denoiser settings and writes the EMA weights (weights-NN.npz, each at most 16 MiB, the
most a lent machine sends back per file) and denoiser.json. With `--fresh N` it does not read
the CPU run's 12k-image manifest: it renders N fresh images of the unlabelled stream in
`--workers` processes and recaptions and encodes them on the GPU (training.image.cache), so
the denoiser sees N distinct images instead of 12k.
`install` copies the other stages' checkpoints and data from the CPU run B into W2 (a `v1` run's
cache is linked, not copied) and writes
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
from .cache import build_cache, load_captioner, load_training_data
from .dataset import NORM_FILE, LatentNorm, LatentSet, blend_ids, encode_latents, frame
from .denoiser import TextToLatent
from .train_denoiser import train_denoiser
from .vae import Vae

MAX_PART_BYTES = 16 * 1024 * 1024  # the most a lent GPU machine sends back in one file


def fresh_data(args, vae: Vae, tok: Tokenizer, log) -> tuple[list[dict], LatentSet]:
    """N fresh unlabelled images, recaptioned and encoded here (training.image.cache)."""
    captioner = load_captioner(args.captioner, tok.size).to(args.device)
    cache = args.out / "cache"
    build_cache(cache, vae, captioner, tok, args.seed, args.fresh, workers=args.workers,
                batch_size=512 if args.device != "cpu" else 64, log=log)
    data = load_training_data(cache)
    shutil.rmtree(cache)  # not carried back: the weights are what comes home
    return data


def write_weight_parts(state: dict[str, torch.Tensor], out: Path) -> list[str]:
    """float32 tensors into weights-00.npz, weights-01.npz, ..., each under MAX_PART_BYTES."""
    parts: list[dict[str, np.ndarray]] = [{}]
    size = 0
    for name, tensor in state.items():
        array = tensor.detach().float().cpu().numpy()
        if array.nbytes > MAX_PART_BYTES - 4096:
            raise ValueError(f"{name} alone is {array.nbytes} bytes, more than one part may hold")
        if size + array.nbytes > MAX_PART_BYTES - 65536 and parts[-1]:  # room for the zip headers
            parts.append({})
            size = 0
        parts[-1][name] = array
        size += array.nbytes
    names = []
    for i, part in enumerate(parts):
        names.append(f"weights-{i:02d}.npz")
        np.savez(out / names[-1], **part)
    return names


def read_weight_parts(directory: Path, names: list[str]) -> dict[str, torch.Tensor]:
    weights: dict[str, torch.Tensor] = {}
    for name in names:
        with np.load(directory / name) as data:
            weights.update({k: torch.from_numpy(data[k]) for k in data.files})
    return weights


def committed_norm() -> LatentNorm:
    entry = json.loads((BUNDLE / "model.json").read_text())
    return LatentNorm.from_json(entry["components"]["vae_decoder"]["latent_normalisation"])


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
    args.out.mkdir(parents=True, exist_ok=True)
    if args.fresh:
        rows, latents = fresh_data(args, vae, tok, log)
    else:
        rows = read_manifest(args.work / "manifest.jsonl")
        cache = args.out / "latents.pt"
        cache.unlink(missing_ok=True)  # always this manifest's latents, never an earlier run's
        latents = encode_latents(vae, rows, cache, batch_size=512, log=log, device=args.device)
        cache.unlink()  # not carried back: the CPU run has its own
    # The CPU run's own standardisation, which its export will undo (runs from before it was
    # recorded: the committed bundle's, whose VAE they share).
    norm = LatentNorm.recorded(args.work) or committed_norm()
    log(f"  latent statistics here {LatentNorm.of(latents).to_json()}; training with {norm.to_json()}")
    kind, ratio = TRAINING_BLEND
    caption_ids, realised = blend_ids(tok, rows, ratio, kind, args.seed)
    log(f"  {len(rows)} images; blend {kind} {ratio}: {realised:.3%} synthetic")
    overrides = {k: v for k, v in (("steps", args.steps), ("batch_size", args.batch)) if v is not None}
    cfg = replace(GPU.denoiser, **overrides)
    checkpoint = args.out / "denoiser.pt"
    run = train_denoiser(tok.size, latents, caption_ids, frame(tok, ""), norm, cfg, args.seed,
                         checkpoint, log, device=args.device, time_budget_s=args.time_budget_s)
    checkpoint.unlink()  # optimiser state included: too big to carry back, and not needed
    parts = write_weight_parts(run.model.state_dict(), args.out)
    (args.out / "denoiser.json").write_text(json.dumps(
        {"steps": run.steps, "seconds": run.seconds, "device_name": run.device, "parts": parts,
         "distinct_images": len(rows), "epochs": round(run.steps * cfg.batch_size / len(rows), 2),
         "config": {**cfg.__dict__, "steps": run.steps}}) + "\n")
    log(f"done: {run.steps} steps in {run.seconds:.0f} s on {run.device}; weights in {args.out}")


def install(args) -> None:
    (args.work / "checkpoints").mkdir(parents=True, exist_ok=True)
    for name in ("manifest.jsonl", "latents.pt", "data_seconds.json", NORM_FILE):
        if (args.base_work / name).exists():
            shutil.copy2(args.base_work / name, args.work / name)
    if (args.base_work / "cache").is_dir() and not (args.work / "cache").exists():
        # A fresh-data run's cache (GBs): shared, not copied; the gpu run only reads it.
        (args.work / "cache").symlink_to((args.base_work / "cache").resolve(), target_is_directory=True)
    for path in (args.base_work / "checkpoints").iterdir():
        if path.name != "denoiser.pt":
            shutil.copy2(path, args.work / "checkpoints" / path.name)
    meta = json.loads((args.weights / "denoiser.json").read_text())
    tok = Tokenizer(build_vocab())
    weights = read_weight_parts(args.weights, meta["parts"])
    model = TextToLatent.from_state(tok.size, weights)
    opt = torch.optim.AdamW(model.parameters())  # finished: the resume never steps it
    torch.save({"model": weights, "ema": weights, "opt": opt.state_dict(), "step": meta["steps"],
                "steps": meta["steps"], "seconds": meta["seconds"], "device_name": meta["device_name"],
                "objective": meta["config"].get("objective", "v")},
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
    t.add_argument("--fresh", type=int, help="train on this many fresh images recaptioned here (needs --captioner)")
    t.add_argument("--captioner", type=Path, help="the data loop's captioner checkpoint, for --fresh")
    t.add_argument("--workers", type=int, default=14, help="rendering processes for --fresh")
    i = sub.add_parser("install", help="on the CPU machine")
    i.add_argument("--weights", type=Path, required=True, help="what `train` wrote")
    i.add_argument("--base-work", type=Path, required=True, help="the CPU run's work dir")
    i.add_argument("--work", type=Path, required=True, help="the gpu run's work dir")
    args = ap.parse_args(argv)
    if args.command == "train" and args.fresh and args.captioner is None:
        ap.error("--fresh needs --captioner")
    {"train": train, "install": install}[args.command](args)


if __name__ == "__main__":
    main()
