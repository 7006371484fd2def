"""Proxy runs that choose the image model's design: short, same-budget runs with learning curves.

The CPU proxy of the last design round could not tell designs apart (every variant stayed near
chance on shapes), so this one isolates the first thing a prompt-following model must learn:
one object, square images, its true descriptive caption. A variant is a VAE downsampling (8x
as today, or 4x, where objects span about twice as many latent cells per side), an objective
(v-prediction with min-SNR, or rectified flow with logit-normal levels) and a U-Net with or
without coordinate channels or a pooled text embedding beside cross-attention, with its own
text encoder or the captioner's pretrained, frozen one (pretrained_text.py), or a small
MM-DiT (mmdit.py) at the same cost per step. Every variant of one downsampling trains on the same latents.

At each checkpoint the EMA denoiser draws every held-out prompt from pure noise (20 steps,
guidance 5), the VAE decodes it and the judge reads it; the rates, with Wilson 95 % intervals
over the held-out prompts, go to `curve.jsonl`: the learning curve against samples seen.

    /usr/bin/python3 -m training.image.proxy --variant v8            # one variant (resumes)
    /usr/bin/python3 -m training.image.proxy --table                 # every finished curve, markdown
    /usr/bin/python3 -m training.image.proxy --variant flow8 --guidance 2,3.5,5,7.5  # guidance sweep
    /usr/bin/python3 -m training.image.proxy --variant v8 --quick    # toy sizes, seconds (tests)

Work dir: training/runs/proxy-seed<N>/ (vae<D>.pt, latents<D>.pt, <variant>/). One thread
by default: two proxies can run side by side on two cores.
"""

import argparse
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from ..captioner.tokenizer import Tokenizer, build_vocab
from ..paths import RUNS
from ..world.render import render
from .dataset import LatentNorm, LatentSet, frame
from .denoiser import TextToLatent
from .one_object_probe import (GUIDANCE, HELDOUT_STREAM, HIT_NAMES, TRAIN_STREAM, judge_generations, one_object_scene,
                               rates, read_hits)
from .train_denoiser import DenoiserConfig, train_denoiser
from .vae import VAE_LR, Vae, measure_vae, to_image, to_tensor, train_vae

PROXY_CHANNELS = (32, 64, 96)  # the half-width U-Net: about 4x cheaper per step than the bundle's


@dataclass(frozen=True)
class Variant:
    downsample: int
    objective: str
    coords: bool = False
    pooled_text: bool = False
    architecture: str = "unet"
    text_encoder: str = "own"  # or "captioner": the captioner's pretrained text tower, frozen
    cpu_bf16: bool = False  # mixed precision where the CPU has native bf16 (DenoiserConfig.cpu_bf16)


# The MM-DiT at the U-Net's cost per step (measured side by side, one thread, batch 32 on
# 16 x 16 latents: 0.67 s against 0.73 s) and about its size (1.1 M parameters against 1.05 M):
# width 96, 4 joint blocks, 2 x 2 latent cells per token.
MMDIT_WIDTH, MMDIT_DEPTH, MMDIT_PATCH = 96, 4, 2

VARIANTS = {
    "v8": Variant(8, "v"),
    "flow8": Variant(8, "flow"),
    "flow8-coords": Variant(8, "flow", coords=True),
    "flow8-pooled": Variant(8, "flow", pooled_text=True),
    "flow8-clip": Variant(8, "flow", text_encoder="captioner"),
    "flow8-bf16": Variant(8, "flow", cpu_bf16=True),
    "mmdit8": Variant(8, "flow", architecture="mmdit"),
    "v4": Variant(4, "v"),
    "flow4": Variant(4, "flow"),
    "flow4-coords": Variant(4, "flow", coords=True),
    "mmdit4": Variant(4, "flow", architecture="mmdit"),
}


@dataclass(frozen=True)
class ProxySizes:
    vae_steps: int
    train_images: int
    heldout_images: int
    steps: int
    eval_every: int
    batch_size: int = 32
    vae_batch: int = 32
    vae_crop: int = 64


FULL = ProxySizes(vae_steps=1000, train_images=20000, heldout_images=200, steps=3000, eval_every=500)
QUICK = ProxySizes(vae_steps=3, train_images=16, heldout_images=4, steps=4, eval_every=2, batch_size=4,
                   vae_batch=2, vae_crop=32)
def proxy_vae(work: Path, seed: int, downsample: int, sizes: ProxySizes, log=print) -> Vae:
    vae, seconds = train_vae(seed, sizes.vae_steps, sizes.vae_batch, sizes.vae_crop, VAE_LR,
                             work / f"vae{downsample}.pt", log=log, downsample=downsample)
    report = work / f"vae{downsample}.json"
    if not report.exists():
        with torch.no_grad():
            counts = dict.fromkeys(HIT_NAMES, 0)
            for i in range(sizes.heldout_images):
                scene, _ = one_object_scene(seed, HELDOUT_STREAM, i)
                round_trip = vae.decoder(vae.encode(to_tensor([render(scene)])))[0]
                for name, hit in read_hits(scene, to_image(round_trip)).items():
                    counts[name] += hit
        measured = {"seconds": round(seconds, 1), **measure_vae(vae, seed, min(sizes.heldout_images, 200)),
                    "one_object_round_trip_cap": rates(counts, sizes.heldout_images)}
        report.write_text(json.dumps(measured, indent=1))
        log(f"  vae{downsample}: {json.dumps(measured)}")
    return vae


@torch.no_grad()
def proxy_latents(work: Path, vae: Vae, seed: int, sizes: ProxySizes, tok: Tokenizer, log=print):
    path = work / f"latents{vae.downsample}.pt"
    if path.exists():
        data = torch.load(path)
        return LatentSet(data["latents"], data["rows"]), data["ids"]
    chunks, ids = [], []
    for start in range(0, sizes.train_images, 64):
        batch = [one_object_scene(seed, TRAIN_STREAM, i) for i in range(start, min(start + 64, sizes.train_images))]
        chunks.append(vae.encode(to_tensor([render(scene) for scene, _ in batch])))
        ids += [frame(tok, caption) for _, caption in batch]
        if start % 2048 == 0:
            log(f"  latents{vae.downsample}: {start}/{sizes.train_images}")
    data = LatentSet({"square": torch.cat(chunks)}, {"square": np.arange(sizes.train_images)})
    caption_ids = torch.tensor(ids, dtype=torch.long)
    torch.save({"latents": data.latents, "rows": data.rows, "ids": caption_ids}, path)
    return data, caption_ids


def run_variant(name: str, seed: int, sizes: ProxySizes, work: Path, log=print, repeat: int = 0) -> Path:
    """Trains (or resumes) one variant, judging it at every checkpoint into its curve.jsonl.
    `repeat` k > 0 trains it again from another denoiser seed (initial weights, batches and
    noise) on the same data, VAE and held-out prompts, as `<name>-r<k>`: how much a curve moves
    between runs of one design, which single-seed comparisons cannot tell."""
    variant = VARIANTS[name]
    label = f"{name}-r{repeat}" if repeat else name
    tok = Tokenizer(build_vocab())
    vae = proxy_vae(work, seed, variant.downsample, sizes, log).eval()
    data, caption_ids = proxy_latents(work, vae, seed, sizes, tok, log)
    norm = LatentNorm.of(data)
    out = work / label
    out.mkdir(parents=True, exist_ok=True)
    curve = out / "curve.jsonl"
    shape = (dict(channels=(MMDIT_WIDTH,) * 3, patch=MMDIT_PATCH, depth=MMDIT_DEPTH)
             if variant.architecture == "mmdit" else dict(channels=PROXY_CHANNELS))
    cfg = DenoiserConfig(steps=sizes.steps, batch_size=sizes.batch_size, lr=1e-3,
                         warmup=min(200, sizes.steps // 4), checkpoint_every=sizes.eval_every,
                         objective=variant.objective, coords=variant.coords, pooled_text=variant.pooled_text,
                         architecture=variant.architecture, text_encoder=variant.text_encoder,
                         cpu_bf16=variant.cpu_bf16, **shape)
    clock = {"started": time.time(), "eval": 0.0}

    def evaluate(step: int, ema) -> None:
        began = time.time()
        scores = judge_generations(ema, vae, norm, variant.objective, tok, seed, sizes.heldout_images)
        train_seconds = began - clock["started"] - clock["eval"]
        clock["eval"] += time.time() - began
        row = {"variant": label, "step": step, "samples": step * cfg.batch_size,
               "train_seconds_this_session": round(train_seconds, 1), "eval_seconds": round(time.time() - began, 1),
               **scores}
        with curve.open("a") as f:
            f.write(json.dumps(row) + "\n")
        log(f"  {label} step {step}: colour+shape {scores['colour_and_shape']['rate']:.1%} "
            f"colour {scores['colour']['rate']:.1%} shape {scores['shape']['rate']:.1%} "
            f"texture {scores['texture']['rate']:.1%} cell {scores['right_cell']['rate']:.1%}; one object "
            f"{scores['one_object']['rate']:.1%}, exact colour+shape {scores['exact_colour_and_shape']['rate']:.1%}")

    run = train_denoiser(tok.size, data, caption_ids, frame(tok, ""), norm, cfg, seed + 1000 * repeat,
                         out / "denoiser.pt", log=log, label=label, on_checkpoint=evaluate)
    (out / "run.json").write_text(json.dumps({"variant": vars(variant), "repeat": repeat, "config": vars(cfg) | {"channels": list(cfg.channels)},
                                              "train_images": sizes.train_images, "seconds": round(run.seconds, 1),
                                              "epochs": round(run.steps * cfg.batch_size / sizes.train_images, 2)}, indent=1))
    return curve


def sweep_guidance(name: str, seed: int, sizes: ProxySizes, work: Path, scales: list[float], log=print) -> list[dict]:
    """Judges a finished variant's last EMA checkpoint at each classifier-free guidance scale on
    the same held-out prompts and noise (the issue's "tune guidance on the binding metric");
    rows go to `<variant>/guidance.jsonl`."""
    variant = VARIANTS[name]
    checkpoint = work / name / "denoiser.pt"
    if not checkpoint.exists():
        raise SystemExit(f"no checkpoint for {name} in {work}: train it first (--variant {name})")
    tok = Tokenizer(build_vocab())
    vae = proxy_vae(work, seed, variant.downsample, sizes, log).eval()
    norm = LatentNorm.of(proxy_latents(work, vae, seed, sizes, tok, log)[0])
    state = torch.load(checkpoint)
    model = TextToLatent.from_state(tok.size, state["ema"]).eval()
    rows = []
    for scale in scales:
        row = {"variant": name, "samples": state["step"] * sizes.batch_size, "guidance": scale,
               **judge_generations(model, vae, norm, variant.objective, tok, seed, sizes.heldout_images,
                                   guidance=scale)}
        log(f"  {name} guidance {scale}: one object {row['one_object']['rate']:.1%}, exact colour+shape "
            f"{row['exact_colour_and_shape']['rate']:.1%}, exact cell {row['exact_cell']['rate']:.1%}")
        rows.append(row)
    (work / name / "guidance.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return rows


def table(work: Path) -> str:
    """Markdown: one row per (variant, checkpoint) of every curve, then every guidance sweep's
    rows, rates with their 95 % intervals ("-" where a row predates the strict read-outs)."""
    keys = ("colour_and_shape", "colour", "shape", "texture", "right_cell", "one_object", "exact_colour_and_shape",
            "exact_cell")
    lines = ["| variant | samples seen | guidance | colour + shape | colour | shape | texture | right cell | one object "
             "| exact colour + shape | exact cell |",
             "| --- | ---: | ---: | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for path in sorted(work.glob("*/curve.jsonl")) + sorted(work.glob("*/guidance.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)

            def cell(key: str) -> str:
                if key not in row:
                    return "-"
                low, high = row[key]["ci95"]
                return f"{100 * row[key]['rate']:.1f} [{100 * low:.0f}, {100 * high:.0f}]"

            lines.append(f"| {row['variant']} | {row['samples']:,} | {row.get('guidance', GUIDANCE):g} | "
                         + " | ".join(cell(k) for k in keys) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", choices=sorted(VARIANTS))
    ap.add_argument("--table", action="store_true", help="print every curve in the work dir as markdown")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="toy sizes (tests)")
    ap.add_argument("--steps", type=int, help="denoiser steps (default 3000; --quick 4)")
    ap.add_argument("--work", type=Path, help="default training/runs/proxy-seed<N> (--quick: proxy-quick-seed<N>)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--guidance", help="comma-separated scales: judge the --variant's last checkpoint at each")
    ap.add_argument("--repeat", type=int, default=0,
                    help="k > 0: the variant again from another denoiser seed, same data and prompts (<variant>-r<k>)")
    args = ap.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.steps:
        sizes = replace(sizes, steps=args.steps)
    work = args.work or RUNS / f"proxy{'-quick' if args.quick else ''}-seed{args.seed}"
    if args.table:
        print(table(work))
        return
    if not args.variant:
        ap.error("name a --variant (or --table)")
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    work.mkdir(parents=True, exist_ok=True)
    if args.guidance:
        sweep_guidance(args.variant, args.seed, sizes, work, [float(s) for s in args.guidance.split(",")])
        return
    run_variant(args.variant, args.seed, sizes, work, repeat=args.repeat)


if __name__ == "__main__":
    main()
