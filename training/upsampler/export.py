"""ONNX export of the upsampler (docs/model-manifest.md, component `upsampler`)."""

import json
import shutil
import warnings
from pathlib import Path

import torch
from torch import nn

from ..image.export import tensor
from .model import BOS_ID, EOS_ID, OPSET, PAD_ID, UPSAMPLER_MAX_INPUT, UPSAMPLER_MAX_LENGTH, WIDTH, Upsampler


class _Graph(nn.Module):
    """One exported entry point: `encode`, or `decode` without a memory mask (the runtime feeds
    one unpadded prompt)."""

    def __init__(self, model: Upsampler, method: str):
        super().__init__()
        self.model, self.method = model, method

    def forward(self, *inputs):
        return getattr(self.model, self.method)(*inputs)


def manifest_entry(vocab_size: int, folder: str = "") -> dict:
    """The `upsampler` component of model.json (docs/model-manifest.md); files inside `folder`."""
    prefix = f"{folder}/" if folder else ""
    memory = tensor("memory", "float32", ["batch", "source", WIDTH])
    return {
        "kind": "upsampler",
        "encoder": {
            "file": f"{prefix}upsampler_encoder.onnx",
            "inputs": {"input_ids": tensor("input_ids", "int64", ["batch", "source"])},
            "outputs": {"memory": memory},
        },
        "decoder": {
            "file": f"{prefix}upsampler_decoder.onnx",
            "inputs": {"memory": memory, "input_ids": tensor("input_ids", "int64", ["batch", "target"])},
            "outputs": {"logits": tensor("logits", "float32", ["batch", "target", vocab_size])},
        },
        "decoding": {
            "strategy": "greedy",
            "bos_id": BOS_ID,
            "eos_id": EOS_ID,
            "pad_id": PAD_ID,
            "max_input_length": UPSAMPLER_MAX_INPUT,
            "max_length": UPSAMPLER_MAX_LENGTH,
        },
    }


def export_upsampler(model: Upsampler, out_dir: Path, folder: str = "") -> dict:
    """Writes upsampler_encoder.onnx and upsampler_decoder.onnx into `out_dir`/`folder`; returns
    the manifest entry (file paths relative to `out_dir`, the bundle)."""
    (out_dir / folder).mkdir(parents=True, exist_ok=True)
    model.eval()
    entry = manifest_entry(model.head.out_features, folder)
    # Traced at batch 2 and unequal lengths so no axis is specialised to a constant.
    source = torch.tensor([[BOS_ID, 10, 11, 12, EOS_ID], [BOS_ID, 13, 14, 15, EOS_ID]])
    target = torch.tensor([[BOS_ID, 20, 21], [BOS_ID, 22, 23]])
    with torch.no_grad():
        memory = model.encode(source)
    # torch 1.13 warns about shape inference of prim::Constant; onnxruntime checks the graphs.
    warnings.filterwarnings("ignore", category=UserWarning, module="torch.onnx")
    torch.onnx.export(
        _Graph(model, "encode"), (source,), str(out_dir / entry["encoder"]["file"]), opset_version=OPSET,
        input_names=["input_ids"], output_names=["memory"],
        dynamic_axes={"input_ids": {0: "batch", 1: "source"}, "memory": {0: "batch", 1: "source"}},
    )
    torch.onnx.export(
        _Graph(model, "decode"), (memory, target), str(out_dir / entry["decoder"]["file"]), opset_version=OPSET,
        input_names=["memory", "input_ids"], output_names=["logits"],
        dynamic_axes={"memory": {0: "batch", 1: "source"}, "input_ids": {0: "batch", 1: "target"},
                      "logits": {0: "batch", 1: "target"}},
    )
    return entry


def copy_upsampler(source: Path, target: Path) -> None:
    """Puts `source` bundle's upsampler (its two graphs, its model.json entry, the tokenizer)
    into `target` when `target` has none yet: the image pipeline's evaluation rewrites short
    prompts with it, and the upsampler is built by its own command."""
    path = target / "model.json"
    manifest = json.loads(path.read_text()) if path.exists() else None
    if manifest is not None and "upsampler" in manifest["components"]:
        return
    given = json.loads((source / "model.json").read_text())
    entry = given["components"]["upsampler"]
    for part in ("encoder", "decoder"):
        (target / entry[part]["file"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / entry[part]["file"], target / entry[part]["file"])
    if manifest is None:
        manifest = {key: given[key] for key in ("id", "tokenizer", "buckets")} | {"components": {}}
        shutil.copyfile(source / given["tokenizer"], target / given["tokenizer"])
    manifest["components"]["upsampler"] = entry
    path.write_text(json.dumps(manifest, indent=2) + "\n")
