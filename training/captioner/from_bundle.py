"""Restores the PyTorch captioner from the bundle's ONNX files (its training checkpoint is gone).

The GPU run that trained the bundle's captioner left only `captioner/*.onnx`. The image
model's fresh-data path (`training.image.cache --captioner`, `training.image.gpu_denoiser
--captioner`) recaptions in PyTorch, so this reads every weight back from the three graphs
(training/onnx_weights.py: the mapping from initializers to parameters is measured on a probe
export, not guessed) into a checkpoint those commands load, then checks it:

1. each graph is exported again from the restored module and compared with the stored file,
   initializer by initializer (largest absolute difference; 0 means the same weights);
2. freshly rendered held-out images are captioned in PyTorch and scored against their
   ground-truth scene graphs (training/captioner/metrics.py), to compare with the card's
   onnxruntime-node numbers for the same captioner.

Not in the graphs and so not restored: the training-only attribute heads other than presence
(shape, colour, texture, size; left at their initial values, unused by captioning) and the
optimiser state. `logit_scale` comes from model.json's `similarity.logit_scale`.

    /usr/bin/python3 -m training.captioner.from_bundle --out training/runs/captioner-from-bundle.pt
"""

import argparse
import json
import math
import time
from pathlib import Path

import torch

from ..image.checkpoint import save_atomic
from ..onnx_weights import load_from_onnx, verify_reexport
from ..paths import BUNDLE, RUNS
from ..world.sample import make_sample
from ..world.scene import STREAMS
from .decode import caption_images
from .export import OPSET, _Decoder, _Encoder, _Tower
from .metrics import CaptionScores
from .model import Captioner
from .tokenizer import Tokenizer, build_vocab

_UNUSED_HEADS = ("aux.shape.", "aux.colour.", "aux.texture.", "aux.size.", "logit_scale")


def _graphs(model: Captioner) -> dict[str, tuple]:
    """file -> (wrapper factory, example args, export settings), exactly as export.py exports them."""
    pixels = torch.rand(2, 3, 128, 224)
    with torch.no_grad():
        tokens, _ = model.encoder(pixels)
    ids = torch.tensor([[1, 5, 10, 11, 2], [1, 5, 12, 2, 0]])
    return {
        "image_encoder.onnx": (_Encoder, (pixels,), dict(
            opset_version=OPSET, input_names=["pixels"], output_names=["image_tokens", "image_embedding", "object_count"],
            dynamic_axes={"pixels": {0: "batch", 2: "height", 3: "width"}, "image_tokens": {0: "batch", 1: "tokens"},
                          "image_embedding": {0: "batch"}, "object_count": {0: "batch"}})),
        "text_decoder.onnx": (_Decoder, (tokens, ids), dict(
            opset_version=OPSET, input_names=["image_tokens", "input_ids"], output_names=["logits"],
            dynamic_axes={"image_tokens": {0: "batch", 1: "tokens"}, "input_ids": {0: "batch", 1: "sequence"},
                          "logits": {0: "batch", 1: "sequence"}})),
        "text_tower.onnx": (_Tower, (ids,), dict(
            opset_version=OPSET, input_names=["input_ids"], output_names=["text_embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "text_embedding": {0: "batch"}})),
    }


def restore_captioner(bundle: Path, tok: Tokenizer) -> tuple[Captioner, dict[str, float]]:
    """The captioner with every exported weight loaded; returns it and each graph's re-export difference."""
    manifest = json.loads((bundle / "model.json").read_text())
    stored_vocab = json.loads((bundle / manifest["tokenizer"]).read_text())["model"]["vocab"]
    if stored_vocab != {t: i for i, t in enumerate(tok.tokens)}:
        raise ValueError("the bundle's tokenizer differs from training.captioner.tokenizer.build_vocab()")
    torch.manual_seed(0)
    model = Captioner(tok.size).eval()
    others = {"image_encoder.onnx": ("tower.", "decoder."), "text_decoder.onnx": ("encoder.", "tower.", "aux."),
              "text_tower.onnx": ("encoder.", "decoder.", "aux.")}
    for name, (wrap, args, settings) in _graphs(model).items():
        load_from_onnx(model, wrap, args, bundle / "captioner" / name, settings, _UNUSED_HEADS + others[name])
    scale = manifest["components"]["captioner_text_tower"]["similarity"]["logit_scale"]
    with torch.no_grad():
        model.logit_scale.fill_(math.log(scale))
    diffs = {name: verify_reexport(wrap(model), args, bundle / "captioner" / name, settings)
             for name, (wrap, args, settings) in _graphs(model).items()}
    return model.eval(), diffs


def score_captions(model: Captioner, tok: Tokenizer, seed: int, count: int) -> dict[str, dict]:
    """Captions `count` held-out images per mode (grouped by bucket) against their scene graphs."""
    samples = [make_sample(seed, STREAMS["heldout"], i) for i in range(count)]
    by_bucket: dict[str, list] = {}
    for s in samples:
        by_bucket.setdefault(s.scene.bucket, []).append(s)
    out = {}
    for mode in ("descriptive", "short"):
        scores = CaptionScores(mode)
        for group in by_bucket.values():
            captions, _ = caption_images(model, tok, [s.image for s in group], mode)
            for s, caption in zip(group, captions):
                scores.add(s.scene, caption)
        out[mode] = scores.summary()
    return out


DEFAULT_OUT = RUNS / "captioner-from-bundle.pt"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", type=Path, default=BUNDLE)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", type=int, default=60, help="held-out images to caption as a check (0: none)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    started = time.time()
    tok = Tokenizer(build_vocab())
    model, diffs = restore_captioner(args.bundle, tok)
    worst = max(diffs.values())
    if worst > 1e-5:
        raise SystemExit(f"restored captioner does not re-export to the bundle's graphs: {diffs}")
    save_atomic({"model": model.state_dict(), "source": "restored from the bundle's captioner/*.onnx",
                 "not_restored": list(_UNUSED_HEADS[:-1])}, args.out)
    report = {"out": str(args.out), "reexport_max_abs_diff": diffs}
    if args.check:
        report["heldout"] = score_captions(model, tok, args.seed, args.check)
    report["seconds"] = round(time.time() - started, 1)
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
