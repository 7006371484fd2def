"""ONNX export of the image model's components and their model.json entries.

Served (in the bundle, docs/model-manifest.md): text_encoder.onnx, denoiser.onnx and
vae_decoder.onnx, under `image/`. Evaluation-only (in the work dir): vae_encoder.onnx, which
turns ground-truth images into latents for the decoder comparison.
"""

import warnings
from pathlib import Path

import torch
from torch import nn

from .dataset import LatentNorm
from .noise_schedule import scheduler_config
from .denoiser import LATENT_CHANNELS, TEXT_MAX_LENGTH, TEXT_WIDTH, TextToLatent
from .vae import DOWNSAMPLE, Vae

OPSET = 17
IMAGE = ["batch", 3, "height", "width"]
LATENT = ["batch", LATENT_CHANNELS, "latent_height", "latent_width"]
IMAGE_AXES = {0: "batch", 2: "height", 3: "width"}
LATENT_AXES = {0: "batch", 2: "latent_height", 3: "latent_width"}


def tensor(name: str, dtype: str, shape: list) -> dict:
    return {"name": name, "dtype": dtype, "shape": shape}


def _export(module: nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str], axes: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    module.eval()
    # torch 1.13's exporter warns about shape inference of constants; the graphs are checked
    # end to end in onnxruntime-node by the evaluation and the runtime's tests instead.
    warnings.filterwarnings("ignore", category=UserWarning, module="torch.onnx")
    with torch.no_grad():
        torch.onnx.export(module, args, str(path), input_names=inputs, output_names=outputs,
                          dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True)


class _VaeEncoderMean(nn.Module):
    """Posterior means, standardised like the denoiser's latents (what the decoders take)."""

    def __init__(self, vae: Vae, norm: LatentNorm):
        super().__init__()
        self.encoder = vae.encoder
        self.register_buffer("mean", norm.mean.reshape(1, -1, 1, 1).clone())
        self.register_buffer("std", norm.std.reshape(1, -1, 1, 1).clone())

    def forward(self, image):
        return (self.encoder(image)[0] - self.mean) / self.std


def _describe(model: TextToLatent) -> str:
    if hasattr(model, "mmdit"):
        net = model.mmdit
        return (f"MM-DiT: {len(net.blocks)} joint text-image attention blocks, width {net.width}, "
                f"{net.patch}x{net.patch} latent cells per token, 2D sin-cos positions, adaLN-Zero on the "
                "timestep and pooled text; EMA weights")
    return ("3-stage U-Net (latent, 1/2, 1/4) with cross-attention to the text states at every stage and "
            "self-attention at 1/2 and 1/4; EMA weights")


def export_text_to_latent(model: TextToLatent, bundle: Path, special_ids: dict[str, int], objective: str) -> dict:
    ids = torch.full((2, TEXT_MAX_LENGTH), special_ids["[PAD]"], dtype=torch.long)
    ids[:, :3] = torch.tensor([special_ids["[BOS]"], 10, special_ids["[EOS]"]])
    _export(model.text, (ids,), bundle / "image" / "text_encoder.onnx", ["input_ids"], ["last_hidden_state"],
            {"input_ids": {0: "batch"}, "last_hidden_state": {0: "batch"}})
    context = model.text(ids).detach()
    _export(model.network, (torch.randn(2, LATENT_CHANNELS, 16, 28), torch.tensor([999.0, 10.0]), context),
            bundle / "image" / "denoiser.onnx", ["sample", "timestep", "encoder_hidden_states"], ["prediction"],
            {"sample": LATENT_AXES, "timestep": {0: "batch"}, "encoder_hidden_states": {0: "batch"},
             "prediction": LATENT_AXES})
    states = ["batch", TEXT_MAX_LENGTH, TEXT_WIDTH]
    return {
        "text_encoder": {
            "kind": "text-encoder",
            "file": "image/text_encoder.onnx",
            "inputs": {"input_ids": tensor("input_ids", "int64", ["batch", TEXT_MAX_LENGTH])},
            "outputs": {"hidden_states": tensor("last_hidden_state", "float32", states)},
            "max_length": TEXT_MAX_LENGTH,
            "bos_id": special_ids["[BOS]"],
            "eos_id": special_ids["[EOS]"],
            "pad_id": special_ids["[PAD]"],
        },
        "denoiser": {
            "kind": "denoiser",
            "file": "image/denoiser.onnx",
            "inputs": {
                "sample": tensor("sample", "float32", LATENT),
                "timestep": tensor("timestep", "float32", ["batch"]),
                "context": tensor("encoder_hidden_states", "float32", states),
            },
            "outputs": {"prediction": tensor("prediction", "float32", LATENT)},
            "prediction_type": scheduler_config(objective)["prediction_type"],
            "architecture": _describe(model),
        },
    }


class Denormalised(nn.Module):
    """A decoder that takes the denoiser's standardised latents (dataset.LatentNorm) and undoes
    the standardisation first, so the runtime's `latents / scaling_factor` (factor 1) is it."""

    def __init__(self, decoder: nn.Module, norm: LatentNorm, latents_arg: int = 0):
        super().__init__()
        self.decoder = decoder
        # Consistency decoders carry their sampling settings; the export reads them from here.
        self.sigma_min = getattr(decoder, "sigma_min", None)
        self.latents_arg = latents_arg
        self.register_buffer("mean", norm.mean.reshape(1, -1, 1, 1).clone())
        self.register_buffer("std", norm.std.reshape(1, -1, 1, 1).clone())

    def forward(self, *args):
        args = list(args)
        args[self.latents_arg] = args[self.latents_arg] * self.std + self.mean
        return self.decoder(*args)


def export_vae_decoder(vae: Vae, bundle: Path, norm: LatentNorm) -> dict:
    _export(Denormalised(vae.decoder, norm), (torch.randn(1, LATENT_CHANNELS, 16, 28),),
            bundle / "image" / "vae_decoder.onnx",
            ["latent_sample"], ["sample"], {"latent_sample": LATENT_AXES, "sample": IMAGE_AXES})
    return {
        "vae_decoder": {
            "kind": "vae-decoder",
            "file": "image/vae_decoder.onnx",
            "inputs": {"latents": tensor("latent_sample", "float32", LATENT)},
            "outputs": {"image": tensor("sample", "float32", IMAGE)},
            "latent_channels": LATENT_CHANNELS,
            "scaling_factor": 1.0,
            "downsample_factor": DOWNSAMPLE,
            "latent_normalisation": {
                "note": "the denoiser works on per-channel standardised VAE latents; this graph (and the "
                        "consistency decoder's) maps them back with z = x * std + mean first",
                **norm.to_json(),
            },
        }
    }


def export_vae_encoder(vae: Vae, path: Path, norm: LatentNorm) -> None:
    """image f32 [B, 3, H, W] in [-1, 1] -> standardised latents [B, 4, H/8, W/8]."""
    _export(_VaeEncoderMean(vae, norm), (torch.rand(1, 3, 128, 224) * 2 - 1,), path, ["image"], ["latents"],
            {"image": IMAGE_AXES, "latents": LATENT_AXES})
