"""Trains a VAE encoder for the bundle's frozen, shipped VAE decoder.

The bundle shipped `image/vae_decoder.onnx` but not the encoder: it was a training-run artefact
and the run is gone. Image-to-image and inpainting (`/v1/images/edits`: encode, noise to a
strength, denoise with the prompt) need one. This restores the decoder from its ONNX graph
(training/onnx_weights.py), freezes it, and trains vae.Encoder so that decoder(encoder(x)) = x
on freshly rendered shapes-world images of all three aspect buckets.

The denoiser was trained on the *old* encoder's latents, standardised per channel with the
manifest's `latent_normalisation` (dataset.LatentNorm). Reconstruction through the frozen
decoder already pins most of the latent space (the decoder is what gives latents their
meaning), but not directions the decoder ignores; a moment term keeps each standardised
channel at mean 0 and standard deviation 1 over uniformly placed crops (whose pixels have the
full images' statistics, unlike the object-centred crops), as the denoiser expects. The old
VAE's loss was L1 + MSE (+ a 1e-6 KL that only kept latents well scaled); this keeps L1 + MSE.

The encoder's colour shortcut (1x1 conv from each cell's mean colour) starts at the
pseudo-inverse of the decoder's (latents -> cell colour), so reconstructions start at the
right flat colours and the steps go to shapes and textures.

    /usr/bin/python3 -m training.image.vae_encoder --seed 0          # ~12 min, one thread
    /usr/bin/python3 -m training.image.vae_encoder --quick           # seconds (tests)

Writes `training/runs/vae-encoder-seed<N>/`: `encoder.partial.pt` every 200 steps (a killed run
resumes there exactly: per-step generators), `vae.pt` (the whole Vae, `{"model": state_dict}`,
the format `training.image.cache --vae` loads), `metrics.json`; with `--export`, the bundle's
`image/vae_encoder.onnx` and its model.json entry.
"""

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..onnx_weights import load_from_onnx, verify_reexport
from ..paths import BUNDLE, RUNS
from ..world.render import render
from ..world.scene import STREAMS, sample_scene
from .checkpoint import save_atomic
from .dataset import LatentNorm
from .export import IMAGE_AXES, LATENT_AXES, OPSET, Denormalised
from .vae import DOWNSAMPLE, Decoder, Encoder, Vae, psnr, to_tensor

MOMENT_WEIGHT = 0.02
DECODER_EXPORT = dict(input_names=["latent_sample"], output_names=["sample"], opset_version=OPSET,
                      dynamic_axes={"latent_sample": LATENT_AXES, "sample": IMAGE_AXES}, do_constant_folding=True)


def restore_decoder(bundle: Path) -> tuple[Decoder, LatentNorm]:
    """The shipped VAE decoder and the latent standardisation its graph undoes, from vae_decoder.onnx."""
    path = bundle / "image" / "vae_decoder.onnx"
    wrapped = Denormalised(Decoder(), LatentNorm(torch.zeros(4), torch.ones(4)))
    example = (torch.randn(1, 4, 16, 28),)
    load_from_onnx(wrapped, lambda m: m, example, path, DECODER_EXPORT)
    diff = verify_reexport(wrapped, example, path, DECODER_EXPORT)
    if diff > 1e-6:
        raise ValueError(f"{path}: restored decoder re-exports with a difference of {diff}")
    norm = LatentNorm(wrapped.mean.flatten().clone(), wrapped.std.flatten().clone())
    return wrapped.decoder.eval().requires_grad_(False), norm


def init_colour_shortcut(encoder: Encoder, decoder: Decoder) -> None:
    """Encoder colour conv := least-squares inverse of the decoder's (latents -> cell colour)."""
    w = decoder.colour.weight.detach().reshape(3, -1)  # [3, C]
    b = decoder.colour.bias.detach()
    pinv = torch.linalg.pinv(w)  # [C, 3]
    with torch.no_grad():
        encoder.colour.weight.copy_(pinv.reshape(*encoder.colour.weight.shape))
        encoder.colour.bias.copy_(-pinv @ b)


def _crops(seed: int, step: int, count: int, crop: int, centred: bool) -> torch.Tensor:
    """`count` crops of fresh-stream images (every bucket), on the latent grid; object-centred
    (with jitter) or uniformly placed."""
    rng = np.random.default_rng([seed, 23, step, int(centred)])
    out = []
    for i in range(count):
        scene = sample_scene(seed, STREAMS["fresh"], (step * 2 + int(centred)) * count + i)
        image = render(scene)
        h, w = image.shape[:2]
        if centred and scene.objects:
            obj = scene.objects[int(rng.integers(len(scene.objects)))]
            cy = (obj.row + 0.5) * h / 3 + rng.integers(-crop // 4, crop // 4 + 1)
            cx = (obj.col + 0.5) * w / 3 + rng.integers(-crop // 4, crop // 4 + 1)
            y0, x0 = int(np.clip(cy - crop // 2, 0, h - crop)), int(np.clip(cx - crop // 2, 0, w - crop))
        else:
            y0, x0 = int(rng.integers(h - crop + 1)), int(rng.integers(w - crop + 1))
        y0, x0 = y0 - y0 % DOWNSAMPLE, x0 - x0 % DOWNSAMPLE
        out.append(image[y0 : y0 + crop, x0 : x0 + crop])
    return to_tensor(out)


def moment_loss(standardised: torch.Tensor) -> torch.Tensor:
    """Per-channel (mean, std) of standardised latents pulled to (0, 1)."""
    mean = standardised.mean(dim=(0, 2, 3))
    std = standardised.std(dim=(0, 2, 3))
    return (mean**2).mean() + ((std - 1) ** 2).mean()


def train_encoder(decoder: Decoder, norm: LatentNorm, seed: int, steps: int, batch: int, crop: int, lr: float,
                  work: Path, log=print) -> tuple[Encoder, float]:
    torch.manual_seed(seed)
    encoder = Encoder()
    init_colour_shortcut(encoder, decoder)
    opt = torch.optim.AdamW(encoder.parameters(), lr=lr, weight_decay=0.0)
    partial, final = work / "encoder.partial.pt", work / "encoder.pt"
    start, spent = 0, 0.0
    source = final if final.exists() else partial
    if source.exists():
        state = torch.load(source)
        encoder.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        start, spent = state["step"], state["seconds"]
        log(f"  vae encoder: resumed at step {start}/{steps} from {source}")
    mean, std = norm.mean.reshape(1, -1, 1, 1), norm.std.reshape(1, -1, 1, 1)
    warmup = max(steps // 20, 1)
    started = time.time()

    def save(step: int) -> None:
        save_atomic({"model": encoder.state_dict(), "opt": opt.state_dict(), "step": step,
                     "seconds": spent + time.time() - started}, final if step == steps else partial)

    for step in range(start, steps):
        torch.manual_seed(seed * 1_000_003 + step)
        for group in opt.param_groups:
            group["lr"] = lr * min((step + 1) / warmup, 0.5 * (1 + math.cos(math.pi * step / steps)))
        centred = _crops(seed, step, batch - batch // 2, crop, True)
        uniform = _crops(seed, step, batch // 2, crop, False)
        target = torch.cat([centred, uniform])
        z = encoder(target)[0]
        recon = decoder(z)
        standardised = (z[len(centred):] - mean) / std
        rec = F.l1_loss(recon, target) + F.mse_loss(recon, target)
        loss = rec + MOMENT_WEIGHT * moment_loss(standardised)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if (step + 1) % 200 == 0 or step == steps - 1:
            save(step + 1)
        if step % 100 == 0 or step == steps - 1:
            rate = (step + 1 - start) / max(time.time() - started, 1e-9)
            log(f"  vae encoder step {step + 1}/{steps} loss {loss.item():.4f} psnr {psnr(recon.detach(), target):.2f} dB "
                f"({rate:.2f} steps/s, eta {(steps - step - 1) / rate / 60:.1f} min)")
    return encoder.eval(), spent + time.time() - started


@torch.no_grad()
def measure(encoder: Encoder, decoder: Decoder, norm: LatentNorm, seed: int, count: int) -> dict:
    """Round-trip PSNR on the held-out stream's first `count` images (the card's VAE measure),
    per bucket and overall, and the standardised latents' per-channel mean and std there."""
    by_bucket: dict[str, list[np.ndarray]] = {}
    for i in range(count):
        scene = sample_scene(seed, STREAMS["heldout"], i)
        by_bucket.setdefault(scene.bucket, []).append(render(scene))
    scores, flat = {}, []
    for bucket, images in sorted(by_bucket.items()):
        values = []
        for start in range(0, len(images), 32):
            x = to_tensor(images[start : start + 32])
            z = encoder(x)[0]
            values.append((psnr(decoder(z), x), len(x)))
            flat.append(norm.normalise(z).transpose(0, 1).flatten(1))
        scores[bucket] = sum(p * n for p, n in values) / sum(n for _, n in values)
    counts = {b: len(v) for b, v in by_bucket.items()}
    latents = torch.cat(flat, 1)
    return {
        "psnr_db": sum(scores[b] * counts[b] for b in scores) / count,
        "psnr_db_by_bucket": scores,
        "images_by_bucket": counts,
        "standardised_latent_mean": [round(float(v), 4) for v in latents.mean(1)],
        "standardised_latent_std": [round(float(v), 4) for v in latents.std(1)],
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--eval", type=int, default=300, help="held-out images for the PSNR (the card's VAE used 300)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bundle", type=Path, default=BUNDLE, help="where the decoder is read from")
    ap.add_argument("--work", type=Path, help="default training/runs/vae-encoder-seed<N>")
    ap.add_argument("--export", type=Path, nargs="?", const=BUNDLE,
                    help="also write image/vae_encoder.onnx and its model.json entry into this bundle (default: --bundle)")
    ap.add_argument("--quick", action="store_true", help="toy sizes: a few steps, a few images")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    if args.quick:
        args.steps, args.batch, args.crop, args.eval = 3, 2, 32, 3
    work = args.work or RUNS / f"vae-encoder-seed{args.seed}{'-quick' if args.quick else ''}"
    decoder, norm = restore_decoder(args.bundle)
    encoder, seconds = train_encoder(decoder, norm, args.seed, args.steps, args.batch, args.crop, args.lr, work)
    metrics = {"seed": args.seed, "steps": args.steps, "batch": args.batch, "crop": args.crop, "lr": args.lr,
               "train_minutes": round(seconds / 60, 2), "threads": args.threads,
               "command": f"/usr/bin/python3 -m training.image.vae_encoder --seed {args.seed}",
               **measure(encoder, decoder, norm, args.seed, args.eval)}
    vae = Vae()
    vae.encoder.load_state_dict(encoder.state_dict())
    vae.decoder.load_state_dict(decoder.state_dict())
    save_atomic({"model": vae.state_dict(), "latent_norm": norm.to_json(), "metrics": metrics}, work / "vae.pt")
    (work / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    if args.export:
        from .vae_encoder_export import export_bundle_encoder

        export_bundle_encoder(vae, norm, args.export, metrics)
    print(json.dumps(metrics, indent=1))
    return metrics


if __name__ == "__main__":
    main()
