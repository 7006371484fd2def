"""PyTorch eager baseline for `npm run bench`: the tiny SD fixture's own torch modules.

The weights come from `fixtures-src/make_tiny_sd.py --save-torch DIR`, the same seeded run that
writes the ONNX files the runtime loads, so both sides compute with identical weights. Runs the
sequence the runtime runs per image — text encoder on [negative, prompt], `steps` U-Net calls
at batch 2 (classifier-free guidance), one VAE decode — and prints timings as JSON.

Usage (from gpu-runtime/): /usr/bin/python3 bench/torch_eager.py --weights DIR --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures-src"))
import make_tiny_sd as tiny  # noqa: E402  (the fixture's module definitions)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--height", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    with open(os.path.join(args.weights, "config.json")) as f:
        vocab_size = json.load(f)["vocab_size"]
    text_encoder = tiny.TinyCLIPText(vocab_size)
    unet = tiny.TinyUNet()
    vae = tiny.TinyVaeDecoder()
    for name, module in (("text_encoder", text_encoder), ("unet", unet), ("vae_decoder", vae)):
        module.load_state_dict(torch.load(os.path.join(args.weights, f"{name}.pt")))
        module.eval()

    h, w = args.height // 8, args.width // 8
    ids = torch.randint(0, vocab_size, (2, tiny.MAX_LENGTH), dtype=torch.int32)
    latents = torch.randn(1, 4, h, w)

    def one_image() -> tuple[float, float]:
        start = time.perf_counter()
        states = text_encoder(ids)[0]
        x = latents.clone()
        step_times = []
        for t in range(args.steps):
            s0 = time.perf_counter()
            eps = unet(torch.cat([x, x]), torch.tensor([float(999 - t * 50)]), states)
            uncond, cond = eps.chunk(2)
            x = x - 0.05 * (uncond + 7.5 * (cond - uncond))
            step_times.append(time.perf_counter() - s0)
        vae(x / 0.18215)
        return time.perf_counter() - start, statistics.median(step_times)

    with torch.inference_mode():
        for _ in range(3):
            one_image()
        runs = [one_image() for _ in range(args.repeats)]
    print(
        json.dumps(
            {
                "image_ms_p50": statistics.median(r[0] for r in runs) * 1000,
                "step_ms_p50": statistics.median(r[1] for r in runs) * 1000,
                "threads": args.threads,
                "torch": torch.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
