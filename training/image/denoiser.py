"""The text encoder and the 3-stage cross-attention U-Net (v-prediction, see noise_schedule.py).

Shapes (ONNX names in parentheses, as docs/model-manifest.md describes them):
    TextEncoder: input_ids int64 [B, TEXT_MAX_LENGTH] -> last_hidden_state f32 [B, L, TEXT_WIDTH]
    UNet: sample f32 [B, 4, h, w], timestep f32 [B], encoder_hidden_states -> prediction [B, 4, h, w] (v)

Attention is written out by hand (no nn.MultiheadAttention) so the export is plain
MatMul/Softmax that every onnxruntime build runs. Padding needs no mask input: the text
encoder masks [PAD] keys itself from the ids, and the U-Net attends to every position (the
states at [PAD] positions are a learned function of the prompt, the same in training and
at inference, because prompts are always padded to the same length).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

TEXT_MAX_LENGTH = 100  # the longest descriptive caption is 97 words, plus [BOS] and [EOS]
TEXT_WIDTH = 128
TEXT_LAYERS = 2
HEADS = 4
LATENT_CHANNELS = 4
CHANNELS = (64, 128, 192)  # latent, 1/2 and 1/4 resolution
TIME_WIDTH = 256


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int, bias: torch.Tensor | None = None) -> torch.Tensor:
    """Multi-head scaled dot-product attention over [B, T, C] tensors."""
    b, tq, c = q.shape
    tk = k.shape[1]
    d = c // heads
    # Scaling q, not the scores, divides T*d numbers instead of T*T.
    q = (q * (1.0 / math.sqrt(d))).reshape(b, tq, heads, d).transpose(1, 2)
    k = k.reshape(b, tk, heads, d).transpose(1, 2)
    v = v.reshape(b, tk, heads, d).transpose(1, 2)
    scores = q @ k.transpose(2, 3)
    if bias is not None:
        scores = scores + bias
    return (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, tq, c)


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of (float) diffusion timesteps, as in DDPM/Stable Diffusion."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float().reshape(-1, 1) * freqs.reshape(1, -1)
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class TextLayer(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.ln1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.ln2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x, bias):
        q, k, v = self.qkv(self.ln1(x)).chunk(3, dim=-1)
        x = x + self.proj(attention(q, k, v, HEADS, bias))
        return x + self.mlp(self.ln2(x))


class TextEncoder(nn.Module):
    """Bidirectional transformer over the bundle's word-level tokens."""

    def __init__(self, vocab_size: int, pad_id: int = 0):
        super().__init__()
        self.pad_id = pad_id
        self.embed = nn.Embedding(vocab_size, TEXT_WIDTH)
        self.position = nn.Parameter(torch.randn(TEXT_MAX_LENGTH, TEXT_WIDTH) * 0.02)
        self.layers = nn.ModuleList([TextLayer(TEXT_WIDTH) for _ in range(TEXT_LAYERS)])
        self.ln_out = nn.LayerNorm(TEXT_WIDTH)

    def forward(self, input_ids):
        x = self.embed(input_ids) + self.position[: input_ids.shape[1]]
        # [PAD] keys are invisible; queries at [PAD] still get (harmless) states.
        bias = (input_ids == self.pad_id).float()[:, None, None, :] * -1e9
        for layer in self.layers:
            x = layer(x, bias)
        return self.ln_out(x)


class GroupNorm32(nn.GroupNorm):
    """GroupNorm computed in float32 under bf16 autocast (train_denoiser's mixed precision).

    torch's CPU kernel takes no bf16 input beside float32 weights, and a group's mean and
    variance are safer in float32 anyway; the convolutions that follow cast back to bf16.
    A float32 input is not cast (a traced `.float()` would add a Cast to the ONNX export).
    """

    def forward(self, x):
        x = x if x.dtype == torch.float32 else x.float()
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.norm1 = GroupNorm32(8, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.temb = nn.Linear(TIME_WIDTH, cout)
        self.norm2 = GroupNorm32(8, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x))) + self.temb(temb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class SpatialTransformer(nn.Module):
    """Self-attention over latent cells (optional), cross-attention to the text states, MLP.

    Self-attention is left out at full latent resolution: over 256-448 cells it cost more than
    the rest of the U-Net on two CPU cores, and the 1/2 and 1/4 stages already see the image.
    """

    def __init__(self, c: int, self_attention: bool = True):
        super().__init__()
        self.norm = GroupNorm32(8, c)
        self.self_attention = self_attention
        if self_attention:
            self.ln1 = nn.LayerNorm(c)
            self.qkv = nn.Linear(c, 3 * c)
            self.proj1 = nn.Linear(c, c)
        self.ln2 = nn.LayerNorm(c)
        self.q = nn.Linear(c, c)
        self.kv = nn.Linear(TEXT_WIDTH, 2 * c)
        self.proj2 = nn.Linear(c, c)
        self.ln3 = nn.LayerNorm(c)
        self.mlp = nn.Sequential(nn.Linear(c, 2 * c), nn.GELU(), nn.Linear(2 * c, c))

    def forward(self, x, context):
        b, c, h, w = x.shape
        t = self.norm(x).flatten(2).transpose(1, 2)
        if self.self_attention:
            q, k, v = self.qkv(self.ln1(t)).chunk(3, dim=-1)
            t = t + self.proj1(attention(q, k, v, HEADS))
        k, v = self.kv(context).chunk(2, dim=-1)
        t = t + self.proj2(attention(self.q(self.ln2(t)), k, v, HEADS))
        t = t + self.mlp(self.ln3(t))
        return x + t.transpose(1, 2).reshape(b, c, h, w)


def coordinate_channels(sample: torch.Tensor) -> torch.Tensor:
    """[B, 2, h, w]: each cell's row and column centre, normalised to [-1, 1] at every aspect."""
    b, _, h, w = sample.shape
    ys = (torch.arange(h, dtype=sample.dtype, device=sample.device) + 0.5) * (2.0 / h) - 1.0
    xs = (torch.arange(w, dtype=sample.dtype, device=sample.device) + 0.5) * (2.0 / w) - 1.0
    grid = torch.stack([ys[:, None].expand(h, w), xs[None, :].expand(h, w)])
    return grid.unsqueeze(0).expand(b, 2, h, w)


class UNet(nn.Module):
    """3 stages (latent, 1/2, 1/4), a ResBlock and a SpatialTransformer each way; skips concatenated.

    Upsampling goes to the skip's own size, so odd latent sides (28 -> 14 -> 7) work.
    """

    def __init__(self, channels: tuple[int, int, int] = CHANNELS, coords: bool = False,
                 pooled_text: bool = False):
        super().__init__()
        c1, c2, c3 = channels
        self.time_width = c1
        # A pooled text embedding added to the timestep embedding (as SDXL and Imagen do): a
        # global conditioning path into every ResBlock beside cross-attention. It pools the
        # encoder_hidden_states input, so the ONNX contract stays the same.
        self.text_pool = nn.Linear(TEXT_WIDTH, TIME_WIDTH) if pooled_text else None
        # Coordinate channels (CoordConv, Liu et al. 2018): a conv net otherwise knows absolute
        # position only through zero padding, and captions are mostly about grid positions.
        self.coords = coords
        self.time_mlp = nn.Sequential(nn.Linear(c1, TIME_WIDTH), nn.SiLU(), nn.Linear(TIME_WIDTH, TIME_WIDTH))
        self.conv_in = nn.Conv2d(LATENT_CHANNELS + (2 if coords else 0), c1, 3, padding=1)
        self.res1, self.attn1 = ResBlock(c1, c1), SpatialTransformer(c1, self_attention=False)
        self.down1 = nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.res2, self.attn2 = ResBlock(c1, c2), SpatialTransformer(c2)
        self.down2 = nn.Conv2d(c2, c2, 3, stride=2, padding=1)
        self.res3, self.attn3 = ResBlock(c2, c3), SpatialTransformer(c3)
        self.res3b = ResBlock(c3, c3)
        self.up_res2, self.up_attn2 = ResBlock(c3 + c2, c2), SpatialTransformer(c2)
        self.up_res1, self.up_attn1 = ResBlock(c2 + c1, c1), SpatialTransformer(c1, self_attention=False)
        self.norm_out = GroupNorm32(8, c1)
        self.conv_out = nn.Conv2d(c1, LATENT_CHANNELS, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, sample, timestep, encoder_hidden_states):
        ctx = encoder_hidden_states
        temb = self.time_mlp(timestep_embedding(timestep, self.time_width))
        if self.text_pool is not None:
            temb = temb + self.text_pool(ctx.mean(dim=1))
        if self.coords:
            sample = torch.cat([sample, coordinate_channels(sample)], dim=1)
        s1 = self.attn1(self.res1(self.conv_in(sample), temb), ctx)
        s2 = self.attn2(self.res2(self.down1(s1), temb), ctx)
        x = self.attn3(self.res3(self.down2(s2), temb), ctx)
        x = self.res3b(x, temb)
        x = F.interpolate(x, size=s2.shape[-2:], mode="nearest")
        x = self.up_attn2(self.up_res2(torch.cat([x, s2], dim=1), temb), ctx)
        x = F.interpolate(x, size=s1.shape[-2:], mode="nearest")
        x = self.up_attn1(self.up_res1(torch.cat([x, s1], dim=1), temb), ctx)
        return self.conv_out(F.silu(self.norm_out(x)))


class TextToLatent(nn.Module):
    """Text encoder + image network (the U-Net, or an MM-DiT), trained together and exported as
    two graphs."""

    def __init__(self, vocab_size: int, channels: tuple[int, int, int] = CHANNELS, coords: bool = False,
                 pooled_text: bool = False, architecture: str = "unet", patch: int = 1, depth: int = 6,
                 text_encoder: str = "own"):
        super().__init__()
        if text_encoder == "captioner":
            from .pretrained_text import CaptionerTextEncoder  # builds on the captioner's modules

            self.text = CaptionerTextEncoder(vocab_size)
        elif text_encoder == "own":
            self.text = TextEncoder(vocab_size)
        else:
            raise ValueError(f"unknown text encoder {text_encoder!r}: use 'own' or 'captioner'")
        if architecture == "mmdit":
            from .mmdit import MMDiT  # mmdit.py builds on this module's layers

            self.mmdit = MMDiT(width=channels[-1], depth=depth, patch=patch)
        elif architecture == "unet":
            self.unet = UNet(channels, coords, pooled_text)
        else:
            raise ValueError(f"unknown architecture {architecture!r}: use 'unet' or 'mmdit'")

    @property
    def network(self) -> nn.Module:
        """The image network: `sample, timestep, encoder_hidden_states -> prediction`."""
        return self.mmdit if hasattr(self, "mmdit") else self.unet

    @classmethod
    def from_state(cls, vocab_size: int, state: dict) -> "TextToLatent":
        """The model a state dict was saved from, its architecture and sizes read off the
        weights' shapes and names (runs differ in widths, coordinate channels, the pooled text
        path, U-Net or MM-DiT, and its own text encoder or the captioner's)."""
        text_encoder = "captioner" if "text.blocks.0.norm1.weight" in state else "own"
        if "mmdit.patch_in.weight" in state:
            patch_in = state["mmdit.patch_in.weight"]
            depth = len({key.split(".")[2] for key in state if key.startswith("mmdit.blocks.")})
            model = cls(vocab_size, (patch_in.shape[0],) * 3, architecture="mmdit", patch=patch_in.shape[-1],
                        depth=depth, text_encoder=text_encoder)
        else:
            channels = tuple(state[f"unet.{name}.conv1.weight"].shape[0] for name in ("res1", "res2", "res3"))
            coords = state["unet.conv_in.weight"].shape[1] == LATENT_CHANNELS + 2
            model = cls(vocab_size, channels, coords, pooled_text="unet.text_pool.weight" in state,
                        text_encoder=text_encoder)
        model.load_state_dict(state)
        return model

    def forward(self, sample, timestep, input_ids):
        return self.network(sample, timestep, self.text(input_ids))
