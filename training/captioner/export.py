"""ONNX export of the captioner's three parts (torch.onnx.export, opset 17).

Inputs/outputs are fixed names with dynamic batch / height / width / sequence axes, so a
caller needs only model.json: see `component_entries` for the documented contract.
"""

import warnings
from pathlib import Path

import torch
from torch import nn

from .model import MAX_LEN, Captioner

OPSET = 17


class _Encoder(nn.Module):
    """The image encoder plus the presence head's object count (see CountGrounding)."""

    def __init__(self, model: Captioner):
        super().__init__()
        self.model = model

    def forward(self, pixels):
        tokens, embedding = self.model.encoder(pixels)
        return tokens, embedding, self.model.object_count(tokens)


class _Decoder(nn.Module):
    def __init__(self, model: Captioner):
        super().__init__()
        self.decoder = model.decoder

    def forward(self, image_tokens, input_ids):
        return self.decoder(image_tokens, input_ids)


class _Tower(nn.Module):
    def __init__(self, model: Captioner):
        super().__init__()
        self.tower = model.tower

    def forward(self, input_ids):
        return self.tower(input_ids)


def export_captioner(model: Captioner, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    model.eval()
    paths = {
        "image_encoder": out_dir / "image_encoder.onnx",
        "text_decoder": out_dir / "text_decoder.onnx",
        "text_tower": out_dir / "text_tower.onnx",
    }
    pixels = torch.rand(2, 3, 128, 224)
    with torch.no_grad():
        tokens, _ = model.encoder(pixels)
    ids = torch.tensor([[1, 5, 10, 11, 2], [1, 5, 12, 2, 0]])
    # torch 1.13's exporter warns about prim::Constant shape inference; the graphs are checked
    # end to end with onnxruntime-node (eval/caption-eval.ts, test/captioner-onnx.test.ts) instead.
    warnings.filterwarnings("ignore", category=UserWarning, module="torch.onnx")
    torch.onnx.export(
        _Encoder(model), (pixels,), str(paths["image_encoder"]), opset_version=OPSET,
        input_names=["pixels"], output_names=["image_tokens", "image_embedding", "object_count"],
        dynamic_axes={"pixels": {0: "batch", 2: "height", 3: "width"},
                      "image_tokens": {0: "batch", 1: "tokens"}, "image_embedding": {0: "batch"},
                      "object_count": {0: "batch"}},
    )
    torch.onnx.export(
        _Decoder(model), (tokens, ids), str(paths["text_decoder"]), opset_version=OPSET,
        input_names=["image_tokens", "input_ids"], output_names=["logits"],
        dynamic_axes={"image_tokens": {0: "batch", 1: "tokens"}, "input_ids": {0: "batch", 1: "sequence"},
                      "logits": {0: "batch", 1: "sequence"}},
    )
    torch.onnx.export(
        _Tower(model), (ids,), str(paths["text_tower"]), opset_version=OPSET,
        input_names=["input_ids"], output_names=["text_embedding"],
        dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "text_embedding": {0: "batch"}},
    )
    return paths


def component_entries(model: Captioner, vocab_size: int, special_ids: dict[str, int], number_ids: list[int]) -> dict:
    """The captioner's entries of model.json (paths relative to the bundle root)."""
    dim = model.decoder.tok.embedding_dim
    embed = model.encoder.embed.out_features
    ids_input = {"name": "input_ids", "dtype": "int64", "shape": ["batch", "sequence"]}
    return {
        "captioner_image_encoder": {
            "kind": "captioner-image-encoder",
            "file": "captioner/image_encoder.onnx",
            "inputs": {"pixels": {
                "dtype": "float32", "shape": ["batch", 3, "height", "width"], "layout": "NCHW",
                "preprocessing": "RGB, divide uint8 by 255 (values in [0, 1]); no resize (height/width "
                                 "one of the buckets, multiples of 16); no mean/std: the graph maps to [-1, 1] itself",
            }},
            "outputs": {
                "image_tokens": {"dtype": "float32", "shape": ["batch", "tokens", dim],
                                 "note": "tokens = (height/16) * (width/16) grid tokens, row-major, then 9 layout-cell tokens"},
                "image_embedding": {"dtype": "float32", "shape": ["batch", embed], "note": "L2-normalised"},
                "object_count": {"dtype": "int64", "shape": ["batch"],
                                 "note": "layout cells the presence head marks occupied; grounds the descriptive count"},
            },
        },
        "captioner_text_decoder": {
            "kind": "captioner-text-decoder",
            "file": "captioner/text_decoder.onnx",
            "inputs": {
                "image_tokens": {"dtype": "float32", "shape": ["batch", "tokens", dim],
                                 "from": "captioner_image_encoder.image_tokens"},
                "input_ids": dict(ids_input, note="[BOS] [MODE] generated..."),
            },
            "outputs": {"logits": {"dtype": "float32", "shape": ["batch", "sequence", vocab_size],
                                   "note": "next-token logits at every position; greedy = argmax of the last"}},
            "decoding": {
                "strategy": "greedy",
                "prefix": ["[BOS]", "<mode token>"],
                "modes": {"short": {"token": "[SHORT]", "id": special_ids["[SHORT]"], "max_new_tokens": 32},
                          "descriptive": {"token": "[DESC]", "id": special_ids["[DESC]"],
                                          "max_new_tokens": MAX_LEN - 2,
                                          "count_grounding": {
                                              "from": "captioner_image_encoder.object_count",
                                              "number_ids": number_ids,
                                              "rule": "until one of number_ids is generated, its log-probability mass "
                                                      "(logsumexp) goes to number_ids[clamp(count, 1, 4) - 1], the others to -inf",
                                          }}},
                "bos_id": special_ids["[BOS]"], "eos_id": special_ids["[EOS]"], "pad_id": special_ids["[PAD]"],
                "max_length": MAX_LEN,
                "detokenize": "drop special tokens, join words with single spaces (punctuation is its own word)",
            },
        },
        "captioner_text_tower": {
            "kind": "captioner-text-tower",
            "file": "captioner/text_tower.onnx",
            "inputs": {"input_ids": dict(ids_input, note="[BOS] words [EOS], right-padded with [PAD]=0 (ignored)")},
            "outputs": {"text_embedding": {"dtype": "float32", "shape": ["batch", embed], "note": "L2-normalised"}},
            "similarity": {
                "formula": "cosine(image_embedding, text_embedding); CLIP-score analogue = 100 * max(cosine, 0)",
                "logit_scale": float(model.logit_scale.exp().clamp(max=100)),
            },
            "max_length": MAX_LEN,
        },
    }
