"""DALL-E 3's consistency decoder at small scale: latents -> pixels in two network evaluations.

Betker et al. 2023 (appendix) decode the latents with a pixel-space diffusion model
conditioned on them, then consistency-distil it (Song et al. 2023, "Consistency Models") to
two steps. Here:

1. The teacher is an EDM denoiser (Karras et al. 2022) at pixel resolution. It diffuses the
   *residual* between the image and the frozen VAE decoder's image: with b = vae.decoder(z),
   D(x; σ, z) = b + c_skip(σ)·(x − b) + c_out(σ)·F(c_in(σ)·(x − b), c_noise(σ), z, b).
   The noisy image is still x = x₀ + σ·ε, so sampling is unchanged, but at high σ the
   untrained network already returns b and F only learns the detail the VAE decoder misses
   (stripes, dots and checks smaller than a latent cell).
2. The student is the consistency function f with Song et al.'s boundary-condition skip
   (their appendix C): the same formula with c_skip(σ_min) = 1 and c_out(σ_min) = 0, so
   f(x, σ_min, z) = x. It starts as a copy of the teacher and is trained with consistency
   distillation (Song et al. Algorithm 2) against the teacher's Heun ODE step.

b is computed from z inside the forward, so both ONNX graphs take only (sample, sigma,
latents) — docs/model-manifest.md, `consistency_decoder`. Training uses 64x64 crops on the
8-pixel grid of full-image latents and VAE images (what the decoder sees at inference).
"""

import copy
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..world.sample import make_sample
from ..world.scene import STREAMS
from .export import tensor
from .vae import DOWNSAMPLE, LATENT_CHANNELS, Vae, psnr, to_tensor

SIGMA_DATA = 0.5
SIGMA_MIN = 0.002  # ε of Song et al.: where the consistency function is the identity
SIGMA_MAX = 80.0
RHO = 7.0  # Karras et al.'s σ spacing
P_MEAN, P_STD = -1.2, 1.2  # EDM's log-normal training σ's
# Both samplers start at σ_max = 80, 4.7 standard deviations above P_MEAN, where EDM's
# log-normal alone never trains; this share of each batch is log-uniform over [σ_min, σ_max].
FULL_RANGE_SHARE = 0.25
CHANNELS = (32, 64, 96)  # pixel, 1/2 and 1/4 resolution
EMBED_WIDTH = 128
CROP = 64
POOL_IMAGES = 512  # rendered and encoded once per run (fewer if the run draws fewer crops)

# About 6 minutes each given one free core (measured 1.85 and 0.87 steps/s on one thread beside
# another job); on two cores shared by three jobs the seed-0 run took 16 and 30 minutes.
TEACHER_STEPS, TEACHER_BATCH, TEACHER_LR = 600, 16, 1e-3
DISTILL_STEPS, DISTILL_BATCH, DISTILL_LR = 300, 16, 1e-4
DISTILL_SIGMAS = 18  # N of Song et al. (their CD setting)
TARGET_EMA = 0.95  # μ of the target network, Song et al.'s CD setting
SIGMA1_CANDIDATES = (0.1, 0.2, 0.35, 0.5, 0.8, 1.2)
SIGMA1_IMAGES = 48
CONSISTENCY_SIGMAS = (80.0, 0.1)  # σ₁ as `choose_sigma1` picked for the seed-0 run
OPSET = 17


class Block(nn.Module):
    """Residual block whose hidden features are scaled and shifted by the noise embedding.

    No normalisation layer: statistics of a 64x64 crop differ from a whole, mostly flat image.
    """

    def __init__(self, c: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)
        self.film = nn.Linear(EMBED_WIDTH, 2 * c)

    def forward(self, x, emb):
        scale, shift = self.film(emb)[:, :, None, None].chunk(2, dim=1)
        h = self.conv1(F.silu(x)) * (1 + scale) + shift
        return x + self.conv2(F.silu(h))


class ResidualUNet(nn.Module):
    """F: a fully-convolutional U-Net seeing c_in·(x − b), b and the latents at every level."""

    def __init__(self):
        super().__init__()
        c0, c1, c2 = CHANNELS
        # Low frequencies only: c_noise spans [-1.6, 1.1] and the embedding must vary smoothly.
        self.register_buffer("freqs", 2.0 ** torch.arange(4.0), persistent=False)
        self.embed = nn.Sequential(nn.Linear(9, EMBED_WIDTH), nn.SiLU(), nn.Linear(EMBED_WIDTH, EMBED_WIDTH), nn.SiLU())
        self.conv_in = nn.Conv2d(3 + 3 + LATENT_CHANNELS, c0, 3, padding=1)
        self.enc0 = Block(c0)
        self.down1, self.latent1, self.enc1 = nn.Conv2d(c0, c1, 3, stride=2, padding=1), nn.Conv2d(LATENT_CHANNELS, c1, 1), Block(c1)
        self.down2, self.latent2 = nn.Conv2d(c1, c2, 3, stride=2, padding=1), nn.Conv2d(LATENT_CHANNELS, c2, 1)
        self.mid = nn.ModuleList([Block(c2), Block(c2)])
        # Convolve before upsampling: a quarter of the cost of convolving after.
        self.up1, self.merge1, self.dec1 = nn.Conv2d(c2, c1, 3, padding=1), nn.Conv2d(2 * c1, c1, 1), Block(c1)
        self.up0, self.merge0, self.dec0 = nn.Conv2d(c1, c0, 3, padding=1), nn.Conv2d(2 * c0, c0, 1), Block(c0)
        self.conv_out = nn.Conv2d(c0, 3, 3, padding=1)
        # Zero output: the untrained denoiser is the VAE decoder plus the skip path.
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, x_in, c_noise, latents, base):
        angles = c_noise[:, None] * self.freqs
        emb = self.embed(torch.cat([c_noise[:, None], angles.sin(), angles.cos()], dim=1))
        # Every side is a multiple of 8, so the three levels and the latent grid nest exactly.
        h0 = self.enc0(self.conv_in(torch.cat([x_in, base, F.interpolate(latents, scale_factor=8.0)], dim=1)), emb)
        h1 = self.enc1(self.down1(h0) + self.latent1(F.interpolate(latents, scale_factor=4.0)), emb)
        h = self.down2(h1) + self.latent2(F.interpolate(latents, scale_factor=2.0))
        for block in self.mid:
            h = block(h, emb)
        h = F.interpolate(self.up1(F.silu(h)), scale_factor=2.0)
        h = self.dec1(self.merge1(torch.cat([h, h1], dim=1)), emb)
        h = F.interpolate(self.up0(F.silu(h)), scale_factor=2.0)
        h = self.dec0(self.merge0(torch.cat([h, h0], dim=1)), emb)
        return self.conv_out(F.silu(h))


class PixelDecoder(nn.Module):
    """D(x; σ, z) with σ_min = 0 (EDM's preconditioning) or f(x, σ, z) with σ_min = ε (Song's).

    Song et al.'s c_skip/c_out with σ_min = 0 are exactly EDM's, so teacher and student share
    one class and the student starts from the teacher's state dict.
    """

    def __init__(self, vae_decoder: nn.Module, sigma_min: float):
        super().__init__()
        self.sigma_min = sigma_min
        self.sampling_sigmas = CONSISTENCY_SIGMAS  # [σ₀, σ₁]; `distill` measures σ₁ for its student
        self.vae_decoder = copy.deepcopy(vae_decoder).requires_grad_(False).eval()
        self.net = ResidualUNet()

    def train(self, mode: bool = True):
        super().train(mode)
        self.vae_decoder.eval()
        return self

    def forward(self, sample, sigma, latents, base=None):
        """`base` (the VAE decoder's image of `latents`) may be passed in to skip recomputing it."""
        if base is None:
            base = self.vae_decoder(latents)
        s = sigma.reshape(-1, 1, 1, 1)
        c_in = 1.0 / torch.sqrt(s**2 + SIGMA_DATA**2)
        c_skip = SIGMA_DATA**2 / ((s - self.sigma_min) ** 2 + SIGMA_DATA**2)
        c_out = SIGMA_DATA * (s - self.sigma_min) / torch.sqrt(s**2 + SIGMA_DATA**2)
        residual = sample - base
        return base + c_skip * residual + c_out * self.net(c_in * residual, 0.25 * torch.log(sigma), latents, base)


# --- data ------------------------------------------------------------------------------------


class CropPool:
    """Labelled renders with their full-image latents and VAE images; serves 8-aligned crops."""

    def __init__(self, vae: Vae, seed: int, start: int, count: int):
        self.scenes, self.images, self.latents, self.bases = [], [], [], []
        with torch.no_grad():
            for i in range(start, start + count):
                sample = make_sample(seed, STREAMS["labelled"], i)
                self.scenes.append(sample.scene)
                x = to_tensor([sample.image])
                z = vae.encode(x)
                self.images.append(x[0].half())
                self.latents.append(z[0])
                self.bases.append(vae.decoder(z)[0].half())

    def batch(self, rng: np.random.Generator, size: int):
        """(images, latents, VAE images) of `size` crops, 80% centred near an object."""
        xs, zs, bs = [], [], []
        for _ in range(size):
            i = int(rng.integers(len(self.scenes)))
            scene, (_, h, w) = self.scenes[i], self.images[i].shape
            if scene.objects and rng.random() < 0.8:
                obj = scene.objects[int(rng.integers(len(scene.objects)))]
                cy = (obj.row + 0.5) * h / 3 + rng.integers(-CROP // 4, CROP // 4 + 1)
                cx = (obj.col + 0.5) * w / 3 + rng.integers(-CROP // 4, CROP // 4 + 1)
                y0, x0 = int(np.clip(cy - CROP // 2, 0, h - CROP)), int(np.clip(cx - CROP // 2, 0, w - CROP))
            else:
                y0, x0 = int(rng.integers(h - CROP + 1)), int(rng.integers(w - CROP + 1))
            y0, x0 = y0 - y0 % DOWNSAMPLE, x0 - x0 % DOWNSAMPLE
            ly, lx, cell = y0 // DOWNSAMPLE, x0 // DOWNSAMPLE, CROP // DOWNSAMPLE
            xs.append(self.images[i][:, y0 : y0 + CROP, x0 : x0 + CROP])
            zs.append(self.latents[i][:, ly : ly + cell, lx : lx + cell])
            bs.append(self.bases[i][:, y0 : y0 + CROP, x0 : x0 + CROP])
        return torch.stack(xs).float(), torch.stack(zs), torch.stack(bs).float()


def _training_sigmas(count: int) -> torch.Tensor:
    log_normal = P_MEAN + P_STD * torch.randn(count)
    log_uniform = math.log(SIGMA_MIN) + torch.rand(count) * math.log(SIGMA_MAX / SIGMA_MIN)
    return torch.where(torch.rand(count) < FULL_RANGE_SHARE, log_uniform, log_normal).exp()


def _lr_factor(step: int, steps: int) -> float:
    warmup = max(steps // 20, 1)
    return min((step + 1) / warmup, 0.5 * (1 + math.cos(math.pi * min(step / steps, 1.0))))


def _log_progress(log, name: str, step: int, steps: int, loss: float, started: float) -> None:
    if step % 25 == 0 or step == steps - 1:
        rate = (step + 1) / (time.time() - started)
        log(f"  {name} step {step + 1}/{steps} loss {loss:.4f} ({rate:.2f} steps/s, "
            f"eta {(steps - step - 1) / rate / 60:.1f} min)")


def _load(checkpoint: Path, vae: Vae, sigma_min: float, log, name: str):
    state = torch.load(checkpoint)
    model = PixelDecoder(vae.decoder, sigma_min)
    model.load_state_dict(state["model"])
    model.sampling_sigmas = tuple(state.get("sampling_sigmas", CONSISTENCY_SIGMAS))
    log(f"  {name}: resumed from {checkpoint} ({state['config']})")
    return model.eval(), state["seconds"]


def _save(checkpoint: Path, model: PixelDecoder, seconds: float, config: dict) -> None:
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model.state_dict(), "seconds": seconds, "config": config,
                "sampling_sigmas": list(model.sampling_sigmas)}, checkpoint)


# --- training --------------------------------------------------------------------------------


def train_teacher(vae: Vae, seed: int, steps: int = TEACHER_STEPS, batch_size: int = TEACHER_BATCH,
                  checkpoint: Path | None = None, log=print) -> tuple[PixelDecoder, float]:
    """EDM training of the teacher (or loading a finished checkpoint); returns it and the seconds."""
    if checkpoint is not None and checkpoint.exists():
        return _load(checkpoint, vae, 0.0, log, "consistency teacher")
    torch.manual_seed(seed)
    rng = np.random.default_rng([seed, 21])
    started = time.time()
    pool = CropPool(vae, seed, 0, min(POOL_IMAGES, steps * batch_size))
    log(f"  consistency teacher: {len(pool.scenes)} images encoded in {time.time() - started:.0f}s")
    loop_started = time.time()
    teacher = PixelDecoder(vae.decoder, 0.0).train()
    params = [p for p in teacher.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=TEACHER_LR, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: _lr_factor(s, steps))
    for step in range(steps):
        x0, z, base = pool.batch(rng, batch_size)
        sigma = _training_sigmas(batch_size)
        s = sigma.reshape(-1, 1, 1, 1)
        denoised = teacher(x0 + s * torch.randn_like(x0), sigma, z, base)
        # EDM's λ(σ) = 1/c_out(σ)²: unit weight on F's own target at every σ.
        weight = (s**2 + SIGMA_DATA**2) / (s * SIGMA_DATA) ** 2
        loss = (weight * (denoised - x0) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        schedule.step()
        _log_progress(log, "consistency teacher", step, steps, loss.item(), loop_started)
    seconds = time.time() - started
    if checkpoint is not None:
        _save(checkpoint, teacher, seconds, {"seed": seed, "steps": steps, "batch_size": batch_size})
    return teacher.eval(), seconds


def karras_sigmas(count: int, sigma_min: float = SIGMA_MIN, sigma_max: float = SIGMA_MAX) -> torch.Tensor:
    """`count` σ's from σ_max down to σ_min, spaced as Karras et al. (2022) eq. 5."""
    ramp = torch.linspace(0, 1, count)
    return (sigma_max ** (1 / RHO) + ramp * (sigma_min ** (1 / RHO) - sigma_max ** (1 / RHO))) ** RHO


def _heun_step(teacher: PixelDecoder, x, sigma_from, sigma_to, z, base):
    """One step of the probability-flow ODE dx/dσ = (x − D(x; σ))/σ (Karras et al. Alg. 1)."""
    s_from, s_to = sigma_from.reshape(-1, 1, 1, 1), sigma_to.reshape(-1, 1, 1, 1)
    d = (x - teacher(x, sigma_from, z, base)) / s_from
    x_next = x + (s_to - s_from) * d
    d_next = (x_next - teacher(x_next, sigma_to, z, base)) / s_to
    return x + (s_to - s_from) * 0.5 * (d + d_next)


def distill(teacher: PixelDecoder, vae: Vae, seed: int, steps: int = DISTILL_STEPS, batch_size: int = DISTILL_BATCH,
            checkpoint: Path | None = None, log=print) -> tuple[PixelDecoder, float]:
    """Consistency distillation (Song et al. 2023, Algorithm 2) with pseudo-Huber distance."""
    if checkpoint is not None and checkpoint.exists():
        return _load(checkpoint, vae, SIGMA_MIN, log, "consistency student")
    torch.manual_seed(seed + 1)
    rng = np.random.default_rng([seed, 22])
    started = time.time()
    # Images after the teacher's: the student follows the teacher's ODE on data it was not fitted to.
    pool = CropPool(vae, seed, POOL_IMAGES, min(POOL_IMAGES, steps * batch_size))
    log(f"  consistency student: {len(pool.scenes)} images encoded in {time.time() - started:.0f}s")
    loop_started = time.time()
    teacher = teacher.eval().requires_grad_(False)
    student = PixelDecoder(vae.decoder, SIGMA_MIN)
    student.load_state_dict(teacher.state_dict())
    target = copy.deepcopy(student).requires_grad_(False).eval()
    student.train()
    params = [p for p in student.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=DISTILL_LR)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: _lr_factor(s, steps))
    # σ_1 < … < σ_N of Song et al. (ascending); n indexes the adjacent pair (σ_n, σ_{n+1}).
    sigmas = karras_sigmas(DISTILL_SIGMAS).flip(0)
    huber_c = 0.00054 * math.sqrt(3 * CROP * CROP)  # Song & Dhariwal 2023 ("Improved techniques")
    for step in range(steps):
        x0, z, base = pool.batch(rng, batch_size)
        n = torch.randint(0, DISTILL_SIGMAS - 1, (batch_size,))
        s_lo, s_hi = sigmas[n], sigmas[n + 1]
        x_hi = x0 + s_hi.reshape(-1, 1, 1, 1) * torch.randn_like(x0)
        with torch.no_grad():
            x_lo = _heun_step(teacher, x_hi, s_hi, s_lo, z, base)
            aim = target(x_lo, s_lo, z, base)
        diff = (student(x_hi, s_hi, z, base) - aim).flatten(1)
        loss = (torch.sqrt((diff**2).sum(1) + huber_c**2) - huber_c).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        schedule.step()
        with torch.no_grad():
            for p_target, p in zip(target.net.parameters(), student.net.parameters()):
                p_target.mul_(TARGET_EMA).add_(p, alpha=1 - TARGET_EMA)
        _log_progress(log, "consistency student", step, steps, loss.item(), loop_started)
    student.requires_grad_(False).eval()
    # A few-step smoke run does not deserve a long search: at most one image per training step.
    sigma1, table = choose_sigma1(student, vae, seed, min(SIGMA1_IMAGES, steps))
    student.sampling_sigmas = (SIGMA_MAX, sigma1)
    log(f"  consistency student: 2-step PSNR by σ₁ {json.dumps(table)} -> σ₁ = {sigma1}")
    seconds = time.time() - started
    if checkpoint is not None:
        _save(checkpoint, student, seconds, {"seed": seed, "steps": steps, "batch_size": batch_size})
    return student.eval(), seconds


# --- sampling and measurement ----------------------------------------------------------------


def _image_shape(z: torch.Tensor) -> tuple[int, int, int, int]:
    return (z.shape[0], 3, z.shape[2] * DOWNSAMPLE, z.shape[3] * DOWNSAMPLE)


@torch.no_grad()
def sample_teacher(teacher: PixelDecoder, z: torch.Tensor, steps: int, generator: torch.Generator) -> torch.Tensor:
    """Deterministic Euler over `steps` Karras σ's from σ_max, the last step to σ = 0 (NFE = steps)."""
    base = teacher.vae_decoder(z)
    sigmas = torch.cat([karras_sigmas(steps), torch.zeros(1)])
    x = sigmas[0] * torch.randn(_image_shape(z), generator=generator)
    for s, s_next in zip(sigmas[:-1], sigmas[1:]):
        denoised = teacher(x, s.repeat(z.shape[0]), z, base)
        x = denoised if s_next == 0 else x + (s_next - s) * (x - denoised) / s
    return x.clamp(-1, 1)


@torch.no_grad()
def sample_consistency(student: PixelDecoder, z: torch.Tensor, sigmas=CONSISTENCY_SIGMAS, sigma_min: float = SIGMA_MIN,
                       generator: torch.Generator | None = None) -> torch.Tensor:
    """Song et al. Algorithm 1 with N = 2, as the runtime samples (docs/model-manifest.md)."""
    base = student.vae_decoder(z)
    sigma0, sigma1 = sigmas
    x = sigma0 * torch.randn(_image_shape(z), generator=generator)
    x = student(x, torch.full((z.shape[0],), float(sigma0)), z, base)
    x = x + math.sqrt(sigma1**2 - sigma_min**2) * torch.randn(_image_shape(z), generator=generator)
    return student(x, torch.full((z.shape[0],), float(sigma1)), z, base).clamp(-1, 1)


def _heldout_batches(vae: Vae, seed: int, start: int, count: int, batch: int = 16):
    """(images, latents) of held-out full images, one size per batch."""
    by_bucket: dict[str, list[np.ndarray]] = {}
    for i in range(start, start + count):
        sample = make_sample(seed, STREAMS["heldout"], i)
        by_bucket.setdefault(sample.scene.bucket, []).append(sample.image)
    for images in by_bucket.values():
        for j in range(0, len(images), batch):
            x = to_tensor(images[j : j + batch])
            yield x, vae.encode(x)


def _mean_psnr(decode, batches) -> tuple[float, float]:
    """(PSNR averaged over images, ms per image) of `decode(z)` over `batches`."""
    total, count, seconds = 0.0, 0, 0.0
    for x, z in batches:
        began = time.perf_counter()
        image = decode(z)
        seconds += time.perf_counter() - began
        total += psnr(image, x) * len(x)
        count += len(x)
    return total / count, 1000 * seconds / count


def choose_sigma1(student: PixelDecoder, vae: Vae, seed: int, count: int = SIGMA1_IMAGES,
                  candidates=SIGMA1_CANDIDATES) -> tuple[float, dict[float, float]]:
    """σ₁ with the best 2-step PSNR. Uses held-out images past those `measure_decoders` reports."""
    batches = list(_heldout_batches(vae, seed, 100_000, count))
    table = {}
    for sigma1 in candidates:
        g = torch.Generator().manual_seed(seed)
        db, _ = _mean_psnr(lambda z: sample_consistency(student, z, (SIGMA_MAX, sigma1), student.sigma_min, g), batches)
        table[sigma1] = round(db, 3)
    return max(table, key=table.get), table


@torch.no_grad()
def measure_decoders(vae: Vae, teacher: PixelDecoder, student: PixelDecoder, sigmas=None,
                     seed: int = 0, count: int = 100, teacher_steps: int = 40) -> dict:
    """PSNR against the renders of `count` held-out images (every bucket), NFEs and CPU ms/image."""
    sigmas = student.sampling_sigmas if sigmas is None else sigmas
    batches = list(_heldout_batches(vae, seed, 0, count))
    g = torch.Generator().manual_seed(seed)
    vae_db, vae_ms = _mean_psnr(vae.decoder, batches)
    teacher_db, teacher_ms = _mean_psnr(lambda z: sample_teacher(teacher, z, teacher_steps, g), batches)
    student_db, student_ms = _mean_psnr(lambda z: sample_consistency(student, z, sigmas, student.sigma_min, g), batches)
    return {
        "images": count,
        "vae_decoder": {"psnr_db": vae_db, "nfe": 1, "ms_per_image": vae_ms},
        "teacher": {"psnr_db": teacher_db, "nfe": teacher_steps, "ms_per_image": teacher_ms},
        "consistency": {"psnr_db": student_db, "nfe": 2, "ms_per_image": student_ms, "sigmas": list(sigmas)},
        "consistency_minus_teacher_db": student_db - teacher_db,
    }
