"""Trains the text encoder and U-Net together on cached latents (v-prediction, or rectified flow).

- Batches are grouped by aspect bucket (one bucket per batch, buckets drawn in proportion
  to their share of the data), as the report trains at every aspect ratio.
- Caption dropout: a fraction of captions become the empty prompt, framed exactly as the
  runtime frames the negative prompt "" ([BOS] [EOS] [PAD]...), so classifier-free guidance
  at inference uses the unconditional branch the model learned.
- v-prediction with Min-SNR-5 loss weighting, or rectified flow with logit-normal noise
  levels (`objective`, see noise_schedule.py); AdamW with warm-up and cosine decay; EMA weights are exported.
- Every random draw of step s comes from generators seeded with (seed, s), so a run resumed
  from its periodic checkpoint continues exactly as an uninterrupted one.
"""

import copy
import math
import time
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from ..captioner.from_bundle import DEFAULT_OUT as BUNDLE_CAPTIONER
from .checkpoint import save_atomic
from .dataset import LatentNorm, LatentSet
from .denoiser import CHANNELS, TextToLatent
from .noise_schedule import (FLOW_TIMESTEP_SCALE, NUM_TRAIN_TIMESTEPS, add_noise, alphas_cumprod, flow_interpolate,
                             flow_velocity, logit_normal_sigmas, min_snr_weight, velocity)


@dataclass(frozen=True)
class DenoiserConfig:
    steps: int
    batch_size: int
    lr: float = 1e-3
    warmup: int = 200
    caption_dropout: float = 0.1
    ema_decay: float = 0.999
    checkpoint_every: int = 250
    channels: tuple[int, int, int] = CHANNELS  # U-Net widths at latent, 1/2 and 1/4 resolution
    objective: str = "v"  # "v" (v-prediction, min-SNR) or "flow" (rectified flow)
    coords: bool = False  # coordinate channels into the U-Net (denoiser.coordinate_channels)
    pooled_text: bool = False  # the pooled text embedding added to the timestep embedding
    # "unet", or "mmdit" (mmdit.py: width channels[-1], `depth` joint blocks, `patch` x `patch`
    # latent cells per token; it always has positions and the pooled text path)
    architecture: str = "unet"
    patch: int = 1
    depth: int = 6
    # "own" (a 2-layer encoder trained with the image network) or "captioner" (the captioner's
    # contrastive text tower, pretrained and frozen: pretrained_text.py)
    text_encoder: str = "own"
    # bf16 autocast on CPUs with native bf16 arithmetic (AMX or AVX512-BF16; the bundle's U-Net
    # on a Xeon with AMX, two threads, side by side: 0.35-0.39 s per step against 0.69-0.72 s);
    # float32 elsewhere, where bf16 is emulated and slower. Weights, optimiser, EMA and loss stay
    # float32. GPUs always use bf16.
    cpu_bf16: bool = False


def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bf16 in hardware (Linux's /proc/cpuinfo flags)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " amx_bf16" in flags or " avx512_bf16" in flags


def _lr_factor(step: int, cfg: DenoiserConfig, steps: int) -> float:
    warm = min((step + 1) / max(cfg.warmup, 1), 1.0)
    return warm * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(step / steps, 1.0))))


class DenoiserRun(NamedTuple):
    model: TextToLatent  # the EMA weights, on the CPU, in eval mode
    seconds: float  # training time, summed over resumed runs
    steps: int  # the steps the schedule was planned for (and ran)
    device: str  # what trained it: "cpu" or the GPU's name
    steps_by_precision: dict[str, int]  # {"bf16": n, "float32": m}, summed over resumed sessions


def train_denoiser(vocab_size: int, data: LatentSet, caption_ids: torch.Tensor, empty_ids: list[int],
                   norm: "LatentNorm", cfg: DenoiserConfig, seed: int, checkpoint: Path,
                   log=print, label: str = "denoiser", device: str = "cpu",
                   time_budget_s: float | None = None,
                   on_checkpoint: Callable[[int, TextToLatent], None] | None = None) -> DenoiserRun:
    """Trains (or resumes) the denoiser. With `time_budget_s`, the speed of the first 50 steps
    decides how many of `cfg.steps` fit in the budget, and the schedule is planned for that
    many (the checkpoint records it as "steps"). `on_checkpoint(step, ema)` runs after each
    save (learning curves); the EMA model is in eval mode there, on the training device."""
    if cfg.objective not in ("v", "flow"):
        raise ValueError(f"unknown objective {cfg.objective!r}: use 'v' or 'flow'")
    torch.manual_seed(seed)
    dev = torch.device(device)
    device_name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"
    model = TextToLatent(vocab_size, cfg.channels, cfg.coords, cfg.pooled_text, cfg.architecture, cfg.patch,
                         cfg.depth, cfg.text_encoder)
    if cfg.text_encoder == "captioner":
        # Pretrained and frozen (pretrained_text.py); a resumed run's checkpoint holds it too.
        model.text.load_captioner(BUNDLE_CAPTIONER)
        model.text.requires_grad_(False)
    ema = copy.deepcopy(model).requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)
    start, seconds, planned, by_precision = 0, 0.0, cfg.steps, {}
    if checkpoint.exists():
        state = torch.load(checkpoint, map_location="cpu")
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        start, seconds = state["step"], state["seconds"]
        planned = state.get("steps", cfg.steps)
        device_name = state.get("device_name", device_name)
        # Checkpoints from before mixed precision on CPUs: GPUs ran bf16, CPUs float32.
        by_precision = state.get("steps_by_precision", {"float32" if device_name == "cpu" else "bf16": start})
        log(f"  {label}: resumed at step {start}/{planned} from {checkpoint}")
    if start >= planned:
        return DenoiserRun(ema.eval(), seconds, planned, device_name, by_precision)

    model.to(dev)
    ema.to(dev)
    for value in opt.state.values():  # a resumed optimiser's moments follow the model
        for k, v in value.items():
            if torch.is_tensor(v) and v.dim() > 0:
                value[k] = v.to(dev)
    buckets = sorted(data.latents)
    sizes = np.array([len(data.rows[b]) for b in buckets], dtype=np.float64)
    # Standardised once, on the training device: a step only gathers its batch.
    latents = {b: norm.normalise(data.latents[b].float()).to(dev) for b in buckets}
    ac = alphas_cumprod().to(dev)
    empty = torch.tensor(empty_ids, dtype=torch.long)
    bf16 = dev.type == "cuda" or (cfg.cpu_bf16 and cpu_has_native_bf16())
    precision = "bf16" if bf16 else "float32"

    def precision_steps(step: int) -> dict[str, int]:
        return {**by_precision, precision: by_precision.get(precision, 0) + step - start}

    if dev.type == "cpu" and cfg.cpu_bf16:
        log(f"  {label}: {'bf16 autocast (native bf16 on this CPU)' if bf16 else 'float32 (no native bf16 on this CPU)'}")
    model.train()
    began, last_log, losses = time.time(), time.time(), []

    def save(step: int) -> None:
        save_atomic({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                    "step": step, "steps": planned, "seconds": seconds + time.time() - began,
                    "device_name": device_name, "objective": cfg.objective,
                    "steps_by_precision": precision_steps(step)}, checkpoint)

    step = start
    while step < planned:
        rng = np.random.default_rng([seed, step])
        gen = torch.Generator().manual_seed(seed * 1_000_003 + step)
        bucket = buckets[int(rng.choice(len(buckets), p=sizes / sizes.sum()))]
        available = len(data.rows[bucket])  # fewer than a batch only in toy runs
        pick = rng.choice(available, size=cfg.batch_size, replace=available < cfg.batch_size)
        x0 = latents[bucket][torch.from_numpy(pick).to(dev)]
        ids = caption_ids[data.rows[bucket][pick]].clone()
        ids[torch.from_numpy(rng.random(cfg.batch_size) < cfg.caption_dropout)] = empty
        ids = ids.to(dev)
        if cfg.objective == "flow":
            sigma = logit_normal_sigmas(cfg.batch_size, gen).to(dev)
            noise = torch.randn(x0.shape, generator=gen).to(dev)
            noisy, timestep, target = flow_interpolate(x0, noise, sigma), sigma * FLOW_TIMESTEP_SCALE, flow_velocity(x0, noise)
            weight = torch.ones_like(sigma)
        else:
            t = torch.randint(0, NUM_TRAIN_TIMESTEPS, (cfg.batch_size,), generator=gen).to(dev)
            noise = torch.randn(x0.shape, generator=gen).to(dev)
            noisy, timestep, target = add_noise(x0, noise, t, ac), t.float(), velocity(x0, noise, t, ac)
            weight = min_snr_weight(t, ac)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
            pred = model(noisy, timestep, ids)
        per_sample = F.mse_loss(pred.float(), target, reduction="none").flatten(1).mean(1)
        loss = (weight * per_sample).mean()
        for group in opt.param_groups:
            group["lr"] = cfg.lr * _lr_factor(step, cfg, planned)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        decay = min(cfg.ema_decay, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
        losses.append(loss.item())
        step += 1
        if time_budget_s is not None and step == start + 50:
            fits = start + int(time_budget_s * 50 / (time.time() - began))
            planned = max(step, min(cfg.steps, fits))
            log(f"  {label}: {planned} steps fit the {time_budget_s:.0f} s budget")
        if step % cfg.checkpoint_every == 0 or step == planned:
            save(step)
            if on_checkpoint is not None:
                ema.eval()
                on_checkpoint(step, ema)
        if time.time() - last_log > 30 or step == planned:
            rate = (step - start) / (time.time() - began)
            log(f"  {label} step {step}/{planned} loss {np.mean(losses[-50:]):.4f} "
                f"({rate:.2f} steps/s, eta {(planned - step) / rate / 60:.1f} min)")
            last_log = time.time()
    return DenoiserRun(ema.to("cpu").eval(), seconds + time.time() - began, planned, device_name,
                       precision_steps(step))
