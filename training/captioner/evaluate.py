"""Caption metrics of a PyTorch checkpoint on held-out scenes (a development check; the
model card's numbers come from the ONNX export via gpu-runtime/eval/caption-eval.ts).

    /usr/bin/python3 -m training.captioner.evaluate --checkpoint training/runs/full-seed0/checkpoints/stage_pretrain.pt
"""

import argparse
import json
from pathlib import Path

import torch

from ..world.sample import make_sample
from ..world.scene import STREAMS
from .decode import caption_images
from .metrics import CaptionScores
from .model import Captioner
from .tokenizer import Tokenizer, build_vocab


def evaluate(model: Captioner, tok: Tokenizer, seed: int, count: int, show: int = 0) -> dict:
    samples = [make_sample(seed, STREAMS["heldout"], i) for i in range(count)]
    scores = {m: CaptionScores(m) for m in ("short", "descriptive")}
    shown = 0
    for bucket in {s.scene.bucket for s in samples}:
        group = [s for s in samples if s.scene.bucket == bucket]
        for start in range(0, len(group), 64):
            chunk = group[start : start + 64]
            for mode in scores:
                captions, _ = caption_images(model, tok, [s.image for s in chunk], mode)
                for s, c in zip(chunk, captions):
                    scores[mode].add(s.scene, c)
                    if mode == "descriptive" and shown < show:
                        print(f"GT : {s.descriptive}\nGOT: {c}\n")
                        shown += 1
    return {m: sc.summary() for m, sc in scores.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--show", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    tok = Tokenizer(build_vocab())
    model = Captioner(tok.size)
    model.load_state_dict(torch.load(args.checkpoint))
    print(json.dumps(evaluate(model, tok, args.seed, args.count, args.show), indent=1))


if __name__ == "__main__":
    main()
