"""Run sizes of the image-model pipeline: the full bundle, the --quick smoke run, the ablation."""

from dataclasses import dataclass, replace
from pathlib import Path

from ..paths import RUNS
from .train_denoiser import DenoiserConfig

TRAINING_BLEND = ("descriptive", 0.95)  # the report's 95 % descriptive synthetic / 5 % alt-text


def main_run_work(seed: int) -> Path:
    """The `full` run's default work dir, which the ablation and the denoise probe build on."""
    return RUNS / f"image-seed{seed}"


@dataclass(frozen=True)
class ImageRunConfig:
    name: str
    vae_steps: int
    vae_batch: int
    vae_crop: int
    recaption_size: int  # unlabelled images recaptioned and encoded to latents
    denoiser: DenoiserConfig
    teacher_steps: int
    distill_steps: int
    decoder_batch: int
    vae_eval: int  # held-out images for the VAE PSNR
    suite_per_category: int  # held-out prompts per category in the ONNX evaluation
    decoder_eval: int  # held-out images for the decoder comparison
    teacher_eval_steps: int
    # > 0: train on this many fresh unlabelled images, recaptioned by the bundle's own captioner
    # and encoded into the sharded cache (training.image.cache), instead of `recaption_size`
    # images recaptioned by the data loop's CPU-path captioner.
    fresh_images: int = 0
    vae_downsample: int = 8
    # > 0: every this many denoiser steps, judge the EMA model on `curve_prompts` one-object
    # prompts from pure noise (one_object_probe.py) into the work dir's curve.jsonl: the long
    # run's learning curve, comparable with the design proxies'.
    curve_every: int = 0
    curve_prompts: int = 200


GPU_DENOISER_STEPS = 2480  # what the GPU run's 180 s budget fitted (see GPU below)

FULL = ImageRunConfig(
    name="full", vae_steps=3000, vae_batch=32, vae_crop=64, recaption_size=12000,
    denoiser=DenoiserConfig(steps=5000, batch_size=32, lr=1e-3, warmup=200),
    teacher_steps=600, distill_steps=300, decoder_batch=16,
    vae_eval=300, suite_per_category=25, decoder_eval=16, teacher_eval_steps=40,
)

# The bundle with its denoiser trained on a lent GPU machine (training/image/gpu_denoiser.py):
# 8x the batch; `steps` is what the run's time budget fitted, so this reproduces it exactly.
# Its CPU base is `v1` (rectified flow; the CPU run's cache and latent statistics), the design
# the proxies chose; the one GPU run so far (v-prediction on `full`'s 12k images) is in
# training/README.md.
GPU_DENOISER = DenoiserConfig(steps=GPU_DENOISER_STEPS, batch_size=256, lr=1e-3, warmup=200, checkpoint_every=1000,
                              objective="flow")

QUICK = ImageRunConfig(
    name="quick", vae_steps=4, vae_batch=4, vae_crop=32, recaption_size=24,
    # Rectified flow, the objective the design proxies chose (training/README.md): CI runs its
    # whole path, from training through the exported scheduler to the runtime's sampler.
    denoiser=DenoiserConfig(steps=4, batch_size=4, warmup=2, checkpoint_every=2, objective="flow"),
    teacher_steps=3, distill_steps=3, decoder_batch=2,
    vae_eval=6, suite_per_category=1, decoder_eval=2, teacher_eval_steps=4,
)

# limner-mini 1.0's CPU recipe (issue 15), as the design proxies chose it (training/README.md):
# rectified flow with logit-normal levels, on 200k distinct recaptioned images (17x the 12k of
# `full`, so about 8 epochs instead of 13 on 12k). The denoiser alone is about 5 hours on two
# cores: 0.38 s per step at batch 32 in float32 on an AMD EPYC, and in bf16 mixed precision on
# a Xeon with AMX (0.35-0.39 s; 0.69-0.72 s there in float32). Every stage checkpoints and
# resumes exactly.
V1 = replace(
    FULL, name="v1", fresh_images=200_000, curve_every=4000,
    denoiser=DenoiserConfig(steps=48_000, batch_size=32, lr=1e-3, warmup=500, checkpoint_every=1000,
                            objective="flow", cpu_bf16=True),
)

GPU = replace(V1, name="gpu", denoiser=GPU_DENOISER)

# `--config v1 --quick`: v1's data path (the sharded cache, random captioner weights) at toy sizes.
QUICK_V1 = replace(QUICK, name="quick-v1", fresh_images=24, curve_every=2, curve_prompts=2,
                   denoiser=replace(QUICK.denoiser, cpu_bf16=True))

CONFIGS = {c.name: c for c in (FULL, GPU, V1, QUICK)}
QUICK_OF = {"v1": QUICK_V1}  # the toy-size run of each config; QUICK for the others

# The caption ablation (DALL-E 3 report, section 3): one smaller, shorter denoiser run per
# caption source on the same images and latents, scored on the same held-out suite.
ABLATION_BLENDS: tuple[tuple[str, str, float], ...] = (
    ("alt-text only", "descriptive", 0.0),
    ("95% short synthetic", "short", 0.95),
    ("65% descriptive", "descriptive", 0.65),
    ("80% descriptive", "descriptive", 0.80),
    ("90% descriptive", "descriptive", 0.90),
    ("95% descriptive", "descriptive", 0.95),
)
# Half-width U-Net (about 4x cheaper per step) so six runs fit beside the main one.
ABLATION_DENOISER = DenoiserConfig(steps=400, batch_size=32, lr=1e-3, warmup=100, channels=(32, 64, 96))
ABLATION_QUICK = DenoiserConfig(steps=2, batch_size=4, warmup=1, checkpoint_every=1, channels=(32, 64, 96))
