"""PyTorch eager baseline for `npm run bench` on limner-mini's architecture.

The bench needs the same weights on both sides, and the committed bundle holds ONNX only, so
this builds limner-mini's text encoder, U-Net and VAE decoder with seeded random weights,
exports them with the project's own exporter (training/image/export.py) into `--onnx-out` for
onnxruntime-node, and times the same modules in PyTorch: per image, the text encoder on
[negative, prompt], `steps` U-Net calls at batch 2 (classifier-free guidance) at the landscape
bucket's latent size, one VAE decode. Compute does not depend on the weights' values.

Usage (from gpu-runtime/): /usr/bin/python3 bench/torch_eager_limner.py --onnx-out DIR --threads 1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from training.captioner.tokenizer import SPECIALS, Tokenizer, build_vocab  # noqa: E402
from training.image.dataset import LatentNorm  # noqa: E402
from training.image.denoiser import LATENT_CHANNELS, TEXT_MAX_LENGTH, TextToLatent  # noqa: E402
from training.image.export import export_text_to_latent, export_vae_decoder  # noqa: E402
from training.image.vae import Vae  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--onnx-out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--latent", type=int, nargs=2, default=(16, 28), help="latent height, width (landscape)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(0)

    tok = Tokenizer(build_vocab())
    model = TextToLatent(tok.size).eval()
    vae = Vae().eval()
    norm = LatentNorm(torch.zeros(LATENT_CHANNELS), torch.ones(LATENT_CHANNELS))
    # The objective only changes the manifest's scheduler entry, not the network's compute.
    export_text_to_latent(model, args.onnx_out, {t: tok.id(t) for t in SPECIALS}, "v")
    export_vae_decoder(vae, args.onnx_out, norm)

    h, w = args.latent
    ids = torch.randint(4, tok.size, (2, TEXT_MAX_LENGTH))
    latents = torch.randn(1, LATENT_CHANNELS, h, w)

    def one_image() -> tuple[float, float]:
        start = time.perf_counter()
        states = model.text(ids)
        x = latents.clone()
        step_times = []
        for t in range(args.steps):
            s0 = time.perf_counter()
            out = model.unet(torch.cat([x, x]), torch.full((2,), float(999 - t * 50)), states)
            uncond, cond = out.chunk(2)
            x = x - 0.05 * (uncond + 5.0 * (cond - uncond))
            step_times.append(time.perf_counter() - s0)
        vae.decoder(x)
        return time.perf_counter() - start, statistics.median(step_times)

    with torch.inference_mode():
        for _ in range(2):
            one_image()
        runs = [one_image() for _ in range(args.repeats)]
    print(json.dumps({
        "image_ms_p50": statistics.median(r[0] for r in runs) * 1000,
        "step_ms_p50": statistics.median(r[1] for r in runs) * 1000,
        "threads": args.threads,
        "latent": [h, w],
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
