"""Trains the text encoder and U-Net together on cached latents (v-prediction).

- Batches are grouped by aspect bucket (one bucket per batch, buckets drawn in proportion
  to their share of the data), as the report trains at every aspect ratio.
- Caption dropout: a fraction of captions become the empty prompt, framed exactly as the
  runtime frames the negative prompt "" ([BOS] [EOS] [PAD]...), so classifier-free guidance
  at inference uses the unconditional branch the model learned.
- Min-SNR-5 loss weighting; AdamW with warm-up and cosine decay; EMA weights are exported.
- Every random draw of step s comes from generators seeded with (seed, s), so a run resumed
  from its periodic checkpoint continues exactly as an uninterrupted one.
"""

import copy
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .checkpoint import save_atomic
from .dataset import LatentNorm, LatentSet
from .denoiser import CHANNELS, TextToLatent
from .noise_schedule import NUM_TRAIN_TIMESTEPS, add_noise, alphas_cumprod, min_snr_weight, velocity


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


def _lr_factor(step: int, cfg: DenoiserConfig) -> float:
    warm = min((step + 1) / max(cfg.warmup, 1), 1.0)
    return warm * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(step / cfg.steps, 1.0))))


def train_denoiser(vocab_size: int, data: LatentSet, caption_ids: torch.Tensor, empty_ids: list[int],
                   norm: "LatentNorm", cfg: DenoiserConfig, seed: int, checkpoint: Path,
                   log=print, label: str = "denoiser") -> tuple[TextToLatent, float]:
    """Returns the EMA model and the seconds spent training (summed over resumed runs)."""
    torch.manual_seed(seed)
    model = TextToLatent(vocab_size, cfg.channels)
    ema = copy.deepcopy(model).requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)
    start, seconds = 0, 0.0
    if checkpoint.exists():
        state = torch.load(checkpoint)
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        start, seconds = state["step"], state["seconds"]
        log(f"  {label}: resumed at step {start}/{cfg.steps} from {checkpoint}")
    if start >= cfg.steps:
        return ema.eval(), seconds

    buckets = sorted(data.latents)
    sizes = np.array([len(data.rows[b]) for b in buckets], dtype=np.float64)
    ac = alphas_cumprod()
    empty = torch.tensor(empty_ids, dtype=torch.long)
    model.train()
    began, last_log, losses = time.time(), time.time(), []

    def save(step: int) -> None:
        save_atomic({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                    "step": step, "seconds": seconds + time.time() - began}, checkpoint)

    for step in range(start, cfg.steps):
        rng = np.random.default_rng([seed, step])
        gen = torch.Generator().manual_seed(seed * 1_000_003 + step)
        bucket = buckets[int(rng.choice(len(buckets), p=sizes / sizes.sum()))]
        pick = rng.choice(len(data.rows[bucket]), size=cfg.batch_size, replace=False)
        x0 = norm.normalise(data.latents[bucket][pick].float())
        ids = caption_ids[data.rows[bucket][pick]].clone()
        ids[torch.from_numpy(rng.random(cfg.batch_size) < cfg.caption_dropout)] = empty
        t = torch.randint(0, NUM_TRAIN_TIMESTEPS, (cfg.batch_size,), generator=gen)
        noise = torch.randn(x0.shape, generator=gen)
        pred = model(add_noise(x0, noise, t, ac), t.float(), ids)
        per_sample = F.mse_loss(pred, velocity(x0, noise, t, ac), reduction="none").flatten(1).mean(1)
        loss = (min_snr_weight(t, ac) * per_sample).mean()
        for group in opt.param_groups:
            group["lr"] = cfg.lr * _lr_factor(step, cfg)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        decay = min(cfg.ema_decay, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
        losses.append(loss.item())
        done = step + 1
        if done % cfg.checkpoint_every == 0 or done == cfg.steps:
            save(done)
        if time.time() - last_log > 30 or done == cfg.steps:
            rate = (done - start) / (time.time() - began)
            log(f"  {label} step {done}/{cfg.steps} loss {np.mean(losses[-50:]):.4f} "
                f"({rate:.2f} steps/s, eta {(cfg.steps - done) / rate / 60:.1f} min)")
            last_log = time.time()
    return ema.eval(), seconds + time.time() - began
