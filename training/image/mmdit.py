"""A small MM-DiT (SD3, Esser et al. 2024): the design proxies' alternative to the U-Net.

The latent is cut into `patch` x `patch` patches, one token each, with 2D sin-cos positions
(the same relative grid at every aspect ratio, so "at the top left" means the same place in a
square and a landscape image). Text and image tokens keep separate weights but attend jointly
in every block, so the prompt shapes the image tokens at every depth and the other way round.
The timestep and a pooled text embedding modulate every block (adaLN-Zero: each block starts
as the identity, as in DiT).

Same contract as the U-Net (docs/model-manifest.md): `sample [B, 4, h, w], timestep [B],
encoder_hidden_states [B, L, TEXT_WIDTH] -> prediction [B, 4, h, w]`; h and w must be
multiples of `patch`.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from .denoiser import LATENT_CHANNELS, TEXT_WIDTH, attention, timestep_embedding

# Positions are fractions of the image's side times this, so a 16-cell side (8x latents of a
# 128-pixel side) counts cells and every aspect ratio shares one frame.
POSITION_SCALE = 16.0


def sincos_2d(rows: int, cols: int, width: int, device=None) -> torch.Tensor:
    """[rows * cols, width]: row-major 2D sin-cos embeddings of each patch's centre; half the
    width encodes the row, half the column (as in MAE and SD3)."""
    quarter = width // 4
    freqs = torch.exp(-math.log(10000.0) * torch.arange(quarter, dtype=torch.float32, device=device) / quarter)

    def axis(n: int) -> torch.Tensor:
        pos = (torch.arange(n, dtype=torch.float32, device=device) + 0.5) * (POSITION_SCALE / n)
        args = pos[:, None] * freqs[None, :]
        return torch.cat([torch.sin(args), torch.cos(args)], dim=1)

    row, col = axis(rows), axis(cols)
    return torch.cat([row[:, None, :].expand(rows, cols, 2 * quarter),
                      col[None, :, :].expand(rows, cols, 2 * quarter)], dim=2).reshape(rows * cols, 4 * quarter)


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return x * (1 + scale) + shift


class PlainNorm(nn.Module):
    """Layer norm without its own scale and shift (the modulation supplies them), written out:
    torch's ONNX export of `nn.LayerNorm(elementwise_affine=False)` is an invalid graph."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        centred = x - x.mean(dim=-1, keepdim=True)
        return centred * torch.rsqrt(centred.square().mean(dim=-1, keepdim=True) + 1e-5)  # nn.LayerNorm's eps


class Stream(nn.Module):
    """One modality's weights in a joint block: modulation, attention projections, MLP."""

    def __init__(self, width: int, mlp_ratio: int):
        super().__init__()
        self.modulation = nn.Linear(width, 6 * width)
        nn.init.zeros_(self.modulation.weight)  # adaLN-Zero: gates start at 0
        nn.init.zeros_(self.modulation.bias)
        self.norm1 = PlainNorm()
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = PlainNorm()
        self.mlp = nn.Sequential(nn.Linear(width, mlp_ratio * width), nn.GELU(approximate="tanh"),
                                 nn.Linear(mlp_ratio * width, width))


class JointBlock(nn.Module):
    def __init__(self, width: int, heads: int, mlp_ratio: int):
        super().__init__()
        self.heads = heads
        self.image = Stream(width, mlp_ratio)
        self.text = Stream(width, mlp_ratio)

    def forward(self, x: torch.Tensor, ctx: torch.Tensor, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        streams = ((self.image, x), (self.text, ctx))
        mods = [s.modulation(F.silu(cond))[:, None, :].chunk(6, dim=-1) for s, _ in streams]
        qkvs = [s.qkv(modulate(s.norm1(t), m[0], m[1])).chunk(3, dim=-1) for (s, t), m in zip(streams, mods)]
        joint = attention(*(torch.cat([qkvs[0][i], qkvs[1][i]], dim=1) for i in range(3)), self.heads)
        n = x.shape[1]
        out = []
        for (s, t), m, a in zip(streams, mods, (joint[:, :n], joint[:, n:])):
            t = t + m[2] * s.proj(a)
            out.append(t + m[5] * s.mlp(modulate(s.norm2(t), m[3], m[4])))
        return out[0], out[1]


class MMDiT(nn.Module):
    def __init__(self, width: int = 192, depth: int = 6, patch: int = 1, mlp_ratio: int = 2):
        super().__init__()
        heads = width // 32  # 32 dimensions per head
        self.width, self.patch = width, patch
        self.patch_in = nn.Conv2d(LATENT_CHANNELS, width, patch, stride=patch)
        self.text_in = nn.Linear(TEXT_WIDTH, width)
        self.time_mlp = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))
        self.text_pool = nn.Linear(TEXT_WIDTH, width)
        self.blocks = nn.ModuleList([JointBlock(width, heads, mlp_ratio) for _ in range(depth)])
        self.final_modulation = nn.Linear(width, 2 * width)
        self.final_norm = PlainNorm()
        self.out = nn.Linear(width, patch * patch * LATENT_CHANNELS)
        for layer in (self.final_modulation, self.out):  # predicts 0 until trained
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, sample, timestep, encoder_hidden_states):
        b = sample.shape[0]
        x = self.patch_in(sample)
        rows, cols = x.shape[-2], x.shape[-1]
        x = x.flatten(2).transpose(1, 2) + sincos_2d(rows, cols, self.width, x.device)
        ctx = self.text_in(encoder_hidden_states)
        cond = (self.time_mlp(timestep_embedding(timestep, self.width))
                + self.text_pool(encoder_hidden_states.mean(dim=1)))
        for block in self.blocks:
            x, ctx = block(x, ctx, cond)
        shift, scale = self.final_modulation(F.silu(cond))[:, None, :].chunk(2, dim=-1)
        x = self.out(modulate(self.final_norm(x), shift, scale))
        p = self.patch
        x = x.reshape(b, rows, cols, p, p, LATENT_CHANNELS).permute(0, 5, 1, 3, 2, 4)
        return x.reshape(b, LATENT_CHANNELS, rows * p, cols * p)
