"""ONNX export of the consistency decoder (docs/model-manifest.md, `consistency_decoder`) and of its
teacher (for the evaluation harness only): both take (sample, sigma, latents) -> denoised."""

import warnings
from pathlib import Path

import torch

from .consistency import OPSET, SIGMA_DATA, SIGMA_MAX, SIGMA_MIN, PixelDecoder
from .export import tensor
from .vae import LATENT_CHANNELS


def _export(model: PixelDecoder, out_path: Path) -> None:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    image_axes = {0: "batch", 2: "height", 3: "width"}
    # Traced at batch 2 and a non-square size so no axis is specialised to a constant.
    args = (torch.randn(2, 3, 64, 112), torch.tensor([SIGMA_MAX, 0.5]), torch.randn(2, LATENT_CHANNELS, 8, 14))
    # torch 1.13 warns about shape inference of prim::Constant; onnxruntime checks the graphs.
    warnings.filterwarnings("ignore", category=UserWarning, module="torch.onnx")
    torch.onnx.export(
        model.eval(), args, str(out_path), opset_version=OPSET,
        input_names=["sample", "sigma", "latents"], output_names=["denoised"],
        dynamic_axes={"sample": image_axes, "sigma": {0: "batch"},
                      "latents": {0: "batch", 2: "latent_height", 3: "latent_width"}, "denoised": image_axes},
    )


def export_consistency(student: PixelDecoder, out_path: Path, sigmas=None, sigma_min: float = SIGMA_MIN,
                       bundle_file: str = "consistency_decoder.onnx") -> dict:
    """Writes the consistency function f as ONNX; returns the `consistency_decoder` manifest entry
    naming it `bundle_file` (its path inside the bundle). Sampling σ's default to the student's
    own, chosen by `distill`."""
    sigmas = student.sampling_sigmas if sigmas is None else sigmas
    if sigma_min != student.sigma_min:
        raise ValueError(f"the student's boundary is σ_min = {student.sigma_min}, not {sigma_min}")
    _export(student, out_path)
    image = tensor("sample", "float32", ["batch", 3, "height", "width"])
    return {
        "kind": "consistency-decoder",
        "file": bundle_file,
        "inputs": {
            "sample": image,
            "timestep": tensor("sigma", "float32", ["batch"]),
            "latents": tensor("latents", "float32", ["batch", LATENT_CHANNELS, "latent_height", "latent_width"]),
        },
        "outputs": {"image": dict(image, name="denoised")},
        "sampling": {"sigmas": [float(s) for s in sigmas], "sigma_min": sigma_min, "sigma_data": SIGMA_DATA},
    }


def export_teacher(teacher: PixelDecoder, out_path: Path) -> None:
    """The teacher's D(x; σ, z) under the same tensor names, for the evaluation harness only."""
    _export(teacher, out_path)
