"""The VAE: 8x spatial downsampling to 4 latent channels, as Stable Diffusion's.

Images are [B, 3, H, W] in [-1, 1]; latents [B, 4, H/8, W/8]. The encoder returns the
posterior mean and log-variance; the diffusion model trains on the means, standardised per
channel (dataset.LatentNorm), and the exported decoders undo that standardisation.

Capacity goes to the decoder: it must redraw 3-pixel stripes, 6-pixel dots and 4-pixel
checks from one 4-channel cell per 8x8 pixels. Training uses random crops (the networks are
fully convolutional), biased towards objects, because whole images are mostly flat
background and full-resolution steps are slow on two cores.
"""

import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..judge.accuracy import judge_accuracy
from .checkpoint import save_atomic
from ..world.sample import make_sample
from ..world.scene import STREAMS

LATENT_CHANNELS = 4
DOWNSAMPLE = 8
KL_WEIGHT = 1e-6
# The KL term above is too weak to keep the posterior noisy, so training drove it to zero and
# the decoder only ever saw exact latents: 0.1 standard deviations of noise then broke stripes
# apart and scattered coloured specks over the background, and the denoiser's samples carry
# errors of that size (generated images came out speckled, the specks read as extra objects).
# Decoding latents with noise of up to LATENT_NOISE of each channel's spread makes the decoder
# tolerate them and the encoder spread what tells shapes and textures apart beyond that noise.
# It is relative to the batch's own spread, so scaling the latents up cannot escape it.
LATENT_NOISE = 0.3
NOISE_PROBES = (0.1, 0.2)  # latent noise levels measure_vae reports PSNR at
# 1e-3 once collapsed to predicting flat background after warm-up; a proxy's 8x VAE at 2e-3
# sat at the flat-background loss (~0.5, 13.4 dB) for 400 steps while the 4x one learned.
VAE_LR = 6e-4
INITIAL_LOGVAR = -6.0  # a near-deterministic autoencoder; the KL only keeps latents well scaled
_ENCODER_WIDTHS = (24, 32, 64, 96)  # input conv, then one per stride-2 stage
_DECODER_WIDTHS = (128, 96, 64, 32)  # latent side, then one per 2x upsampling stage


def _stages(downsample: int) -> int:
    if downsample not in (4, 8):
        raise ValueError(f"the VAE downsamples 4x or 8x, not {downsample}x")
    return downsample.bit_length() - 1


class ResBlock(nn.Module):
    """Pre-norm residual block. Without the GroupNorms, runs sometimes sat for hundreds of
    steps predicting flat background (loss stuck at ~0.5) before the objects appeared."""

    def __init__(self, c: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, c)
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.norm2 = nn.GroupNorm(8, c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return x + self.conv2(F.silu(self.norm2(self.conv1(F.silu(self.norm1(x))))))


class Encoder(nn.Module):
    """Stride-2 stages from the image down to 1/`downsample`: 8 as Stable Diffusion's, or 4,
    where a small object spans about five latent cells instead of two or three."""

    def __init__(self, downsample: int = DOWNSAMPLE):
        super().__init__()
        self.downsample = downsample
        widths = _ENCODER_WIDTHS[: _stages(downsample) + 1]
        layers: list[nn.Module] = [nn.Conv2d(3, widths[0], 3, padding=1), nn.SiLU()]
        for cin, cout in zip(widths, widths[1:]):
            layers += [nn.Conv2d(cin, cout, 3, stride=2, padding=1), ResBlock(cout)]
        layers += [nn.SiLU(), nn.Conv2d(widths[-1], 2 * LATENT_CHANNELS, 3, padding=1)]
        self.net = nn.Sequential(*layers)
        # Start the posterior nearly deterministic (std ~0.05). From logvar 0 the sampling noise
        # swamped the means for hundreds of steps and the decoder learned blurry average colours.
        with torch.no_grad():
            self.net[-1].bias[LATENT_CHANNELS:] = INITIAL_LOGVAR

        self.colour = nn.Conv2d(3, LATENT_CHANNELS, 1)

    def forward(self, image):
        mean, logvar = self.net(image).chunk(2, dim=1)
        # A linear shortcut from each cell's mean colour: the conv path alone learned
        # chroma very slowly (reconstructions stayed grey for hundreds of steps).
        mean = mean + self.colour(F.avg_pool2d(image, self.downsample))
        return mean, logvar.clamp(-20.0, 5.0)


class Decoder(nn.Module):
    def __init__(self, downsample: int = DOWNSAMPLE):
        super().__init__()
        self.downsample = downsample
        # The 4x decoder drops the first (widest) upsampling stage of the 8x one.
        widths = _DECODER_WIDTHS[len(_DECODER_WIDTHS) - 1 - _stages(downsample) :]
        self.conv_in = nn.Conv2d(LATENT_CHANNELS, widths[0], 3, padding=1)
        self.mid = nn.Sequential(ResBlock(widths[0]), ResBlock(widths[0]))
        stages: list[nn.Module] = []
        for cin, cout in zip(widths[:-2], widths[1:-1]):
            stages.append(nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), ResBlock(cout)))
        last_in, last = widths[-2], widths[-1]
        stages.append(nn.Sequential(nn.Conv2d(last_in, last, 3, padding=1), nn.SiLU(), nn.Conv2d(last, last, 3, padding=1)))
        self.up = nn.ModuleList(stages)
        self.conv_out = nn.Conv2d(last, 3, 3, padding=1)
        self.colour = nn.Conv2d(LATENT_CHANNELS, 3, 1)  # the encoder's shortcut, in reverse

    def forward(self, latents):
        x = self.mid(self.conv_in(latents))
        for stage in self.up:
            x = stage(F.interpolate(x, scale_factor=2.0, mode="nearest"))
        base = F.interpolate(self.colour(latents), scale_factor=float(self.downsample), mode="nearest")
        return torch.tanh(self.conv_out(F.silu(x)) + base)


class Vae(nn.Module):
    def __init__(self, downsample: int = DOWNSAMPLE):
        super().__init__()
        self.downsample = downsample
        self.encoder = Encoder(downsample)
        self.decoder = Decoder(downsample)

    @torch.no_grad()
    def encode(self, image: torch.Tensor) -> torch.Tensor:
        """Raw latents (posterior means), i.e. what the decoders take."""
        return self.encoder(image)[0]

    def forward(self, image, latent_noise: float = 0.0):
        """Reconstruction from a posterior sample, with extra Gaussian noise of up to `latent_noise`
        times each latent channel's spread in the batch (a per-sample level drawn uniformly)."""
        mean, logvar = self.encoder(image)
        z = mean + torch.randn_like(mean) * (0.5 * logvar).exp()
        if latent_noise > 0:
            spread = mean.detach().std(dim=(0, 2, 3), keepdim=True)
            level = torch.rand(mean.shape[0], 1, 1, 1) * latent_noise
            z = z + level * spread * torch.randn_like(mean)
        return self.decoder(z), mean, logvar


def to_tensor(images: list[np.ndarray]) -> torch.Tensor:
    """HxWx3 uint8 images (one size) -> [B, 3, H, W] in [-1, 1]."""
    return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 127.5 - 1.0


def _eight_bit(x: torch.Tensor) -> torch.Tensor:
    """[-1, 1] -> the 0..255 levels an image file stores (as floats)."""
    return ((x.clamp(-1, 1) + 1) * 127.5).round()


def to_image(x: torch.Tensor) -> np.ndarray:
    """[3, H, W] in [-1, 1] -> HxWx3 uint8, the inverse of `to_tensor` for one image."""
    return _eight_bit(x).byte().permute(1, 2, 0).numpy()


def psnr(reconstruction: torch.Tensor, target: torch.Tensor) -> float:
    """Mean PSNR in dB over images, on the 8-bit scale after clamping."""
    a, b = _eight_bit(reconstruction), _eight_bit(target)
    mse = ((a - b) ** 2).flatten(1).mean(1).clamp_min(1e-10)
    return float((10 * torch.log10(255.0**2 / mse)).mean())


def _crop_batch(rng: np.random.Generator, seed: int, start: int, count: int, crop: int,
                downsample: int = DOWNSAMPLE) -> torch.Tensor:
    crops = []
    for i in range(count):
        sample = make_sample(seed, STREAMS["labelled"], start + i)
        image = sample.image
        h, w = image.shape[:2]
        if sample.scene.objects and rng.random() < 0.8:
            # Centre the crop near an object (with jitter): objects are where the detail is.
            obj = sample.scene.objects[int(rng.integers(len(sample.scene.objects)))]
            cy = (obj.row + 0.5) * h / 3 + rng.integers(-crop // 4, crop // 4 + 1)
            cx = (obj.col + 0.5) * w / 3 + rng.integers(-crop // 4, crop // 4 + 1)
            y0 = int(np.clip(cy - crop // 2, 0, h - crop))
            x0 = int(np.clip(cx - crop // 2, 0, w - crop))
        else:
            y0, x0 = int(rng.integers(h - crop + 1)), int(rng.integers(w - crop + 1))
        # Crops on the latent grid keep the latent cells aligned with full-image encoding.
        y0, x0 = y0 - y0 % downsample, x0 - x0 % downsample
        crops.append(image[y0 : y0 + crop, x0 : x0 + crop])
    return to_tensor(crops)


def train_vae(seed: int, steps: int, batch_size: int, crop: int, lr: float, checkpoint: Path, log=print,
              downsample: int = DOWNSAMPLE) -> tuple[Vae, float]:
    """Trains (or resumes) the VAE; returns it and the seconds training took."""
    torch.manual_seed(seed)
    vae = Vae(downsample)
    opt = torch.optim.AdamW(vae.parameters(), lr=lr, weight_decay=0.0)
    start, spent = 0, 0.0
    # Mid-run saves go to a separate file: `checkpoint` itself only ever holds a finished VAE,
    # which later stages (and anyone polling for it) may rely on.
    partial = checkpoint.with_suffix(".partial.pt")
    source = checkpoint if checkpoint.exists() else partial
    if source.exists():
        state = torch.load(source)
        vae.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        start, spent = state["step"], state["seconds"]
        log(f"  vae: resumed at step {start}/{steps} from {source}")
    warmup = max(steps // 20, 1)
    started = time.time()

    def save(step: int) -> None:
        save_atomic({"model": vae.state_dict(), "opt": opt.state_dict(), "step": step,
                     "seconds": spent + time.time() - started}, checkpoint if step == steps else partial)

    for step in range(start, steps):
        # Per-step generators: a resumed run continues exactly like an uninterrupted one.
        rng = np.random.default_rng([seed, 11, step])
        torch.manual_seed(seed * 1_000_003 + step)
        for group in opt.param_groups:
            group["lr"] = lr * min((step + 1) / warmup, 0.5 * (1 + math.cos(math.pi * step / steps)))
        target = _crop_batch(rng, seed, step * batch_size, batch_size, crop, downsample)
        recon, mean, logvar = vae(target, LATENT_NOISE)
        kl = 0.5 * (mean**2 + logvar.exp() - 1 - logvar).mean()
        # L1 keeps edges sharp; the MSE term is what PSNR measures.
        loss = F.l1_loss(recon, target) + F.mse_loss(recon, target) + KL_WEIGHT * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if (step + 1) % 250 == 0 or step == steps - 1:
            save(step + 1)
        if step % 50 == 0 or step == steps - 1:
            rate = (step + 1 - start) / (time.time() - started)
            log(f"  vae step {step + 1}/{steps} loss {loss.item():.4f} psnr {psnr(recon.detach(), target):.2f} dB "
                f"({rate:.2f} steps/s, eta {(steps - step - 1) / rate / 60:.1f} min)")
    return vae.eval(), spent + time.time() - started


@torch.no_grad()
def measure_vae(vae: Vae, seed: int, count: int) -> dict:
    """Reconstruction PSNR on held-out full images, and the judge's accuracy on round trips."""
    by_bucket: dict[str, list[np.ndarray]] = {}
    for i in range(count):
        sample = make_sample(seed, STREAMS["heldout"], i)
        by_bucket.setdefault(sample.scene.bucket, []).append(sample.image)
    scores, noisy = [], {level: [] for level in NOISE_PROBES}
    gen = torch.Generator().manual_seed(seed)
    for images in by_bucket.values():
        x = to_tensor(images)
        z = vae.encode(x)
        scores.append((psnr(vae.decoder(z), x), len(images)))
        spread = z.std(dim=(0, 2, 3), keepdim=True)
        for level in NOISE_PROBES:
            z_noisy = z + level * spread * torch.randn(z.shape, generator=gen)
            noisy[level].append((psnr(vae.decoder(z_noisy), x), len(images)))

    def round_trip(sample) -> np.ndarray:
        return to_image(vae.decoder(vae.encode(to_tensor([sample.image])))[0])

    def mean_psnr(pairs: list[tuple[float, int]]) -> float:
        return sum(p * n for p, n in pairs) / sum(n for _, n in pairs)

    return {
        "psnr_db": mean_psnr(scores),
        # Robustness to latent errors of the denoiser's kind: noise in units of each channel's spread.
        "psnr_db_with_latent_noise": {str(level): mean_psnr(pairs) for level, pairs in noisy.items()},
        "judge_on_reconstructions": judge_accuracy(seed, min(count, 200), reconstruct=round_trip),
        "images": count,
    }
