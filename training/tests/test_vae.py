"""The VAE's training-time latent noise: what its decoder sees during training."""

import torch
from torch import nn

from training.image.vae import LATENT_CHANNELS, Vae


class FixedPosterior(nn.Module):
    """An encoder stand-in that returns given means and a negligible posterior variance."""

    def __init__(self, mean: torch.Tensor):
        super().__init__()
        self.mean = mean

    def forward(self, image):
        return self.mean, torch.full_like(self.mean, -20.0)


def decoder_input(mean: torch.Tensor, latent_noise: float, seed: int = 0) -> torch.Tensor:
    vae = Vae()
    vae.encoder = FixedPosterior(mean)
    seen = []
    vae.decoder.register_forward_pre_hook(lambda module, args: seen.append(args[0].detach()))
    torch.manual_seed(seed)
    vae(torch.zeros(mean.shape[0], 3, 8 * mean.shape[2], 8 * mean.shape[3]), latent_noise)
    return seen[0]


def test_without_latent_noise_the_decoder_sees_the_posterior_means():
    mean = torch.randn(4, LATENT_CHANNELS, 2, 2)
    assert torch.allclose(decoder_input(mean, 0.0), mean, atol=1e-3)


def test_latent_noise_scales_with_each_channels_spread_so_larger_latents_cannot_escape_it():
    mean = torch.randn(8, LATENT_CHANNELS, 4, 4) * torch.tensor([0.5, 1.0, 2.0, 4.0]).reshape(1, -1, 1, 1)
    noise = decoder_input(mean, 0.3) - mean
    assert noise.abs().max() > 0.05  # noise is really added
    # Ten times larger latents get ten times the noise (same seed, same draws).
    assert torch.allclose(decoder_input(mean * 10, 0.3) - mean * 10, noise * 10, rtol=1e-3, atol=1e-2)
    # Within a batch, each channel's noise follows that channel's spread.
    per_channel = noise.std(dim=(0, 2, 3))
    assert per_channel[3] > 3 * per_channel[0]
