"""Builds tiny-limner: a randomly initialised limner-format bundle with every generation component.

The fixture proves the generation contract of `model.json` (docs/model-manifest.md) before the
real limner-mini image model is trained: the runtime must serve any bundle that follows the
manifest, so tests load this one through the same loader. Weights are random (seeded): images
are noise and the upsampler writes word salad, but everything is deterministic and every input
changes the outputs.

Usage (from gpu-runtime/):
    /usr/bin/python3 fixtures-src/make_tiny_limner.py --out test/fixtures/tiny-limner

Components (tensor names as written into model.json):

    text_encoder.onnx         input_ids int64 [batch, 16] -> last_hidden_state f32 [batch, 16, 32]
    denoiser.onnx             sample f32 [batch, 4, h, w], timestep f32 [batch],
                              encoder_hidden_states f32 [batch, 16, 32] -> noise_pred f32 [batch, 4, h, w]
                              (3-stage U-Net: h, w -> /2 -> /4, cross-attention at every stage)
    vae_decoder.onnx          latent_sample f32 [batch, 4, h, w] -> sample f32 [batch, 3, 8h, 8w]
    vae_encoder.onnx          image f32 [batch, 3, 8h, 8w] in [-1, 1] -> latents f32 [batch, 4, h, w]
                              (decoder-space latents; optional component, for image-to-image)
    consistency_decoder.onnx  sample f32 [batch, 3, 8h, 8w] (x_t), sigma f32 [batch],
                              latents f32 [batch, 4, h, w] -> denoised f32 [batch, 3, 8h, 8w]
                              (consistency function with Song et al. 2023's skip parametrisation)
    upsampler_encoder.onnx    input_ids int64 [batch, source] -> memory f32 [batch, source, 32]
    upsampler_decoder.onnx    memory f32 [batch, source, 32], input_ids int64 [batch, target]
                              -> logits f32 [batch, target, vocab]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil

import torch
import torch.nn.functional as F
from torch import nn

# Shared with the Stable Diffusion fixture: the same ONNX export settings and time embedding.
from make_tiny_sd import export, timestep_embedding  # noqa: E402  (same folder)

SEED = 20261125
OPSET = 17
HIDDEN = 32
MAX_LENGTH = 16  # text encoder context length
LATENT_CHANNELS = 4
SCALING_FACTOR = 0.5
DOWNSAMPLE = 8
SIGMA_DATA = 0.5
SIGMA_MIN = 0.002
CONSISTENCY_SIGMAS = [80.0, 0.8]
UPSAMPLER_MAX_INPUT = 32
UPSAMPLER_MAX_LENGTH = 40  # decoder positions, [BOS] included
# Greedy decoding ends by itself: the EOS logit gains this much per generated position, so a
# random decoder still stops (around position EOS_START) instead of always running to the limit.
EOS_RAMP = 4.0
EOS_START = 8

SPECIALS = ["[PAD]", "[BOS]", "[EOS]", "[UNK]"]
PAD, BOS, EOS, UNK = 0, 1, 2, 3
WORDS = sorted(
    set(
        """
a an the of on in at to and with above below left right next beside behind front top bottom
middle center corner one two three four red green blue yellow orange purple pink brown black
white gray circle circles square squares triangle triangles star stars hexagon diamond heart
ring cross small large big tiny striped dotted checkered plain background image scene is are
there , .
""".split()
    )
)


def build_tokenizer() -> dict:
    """A word-level tokenizer in HF tokenizers' `tokenizer.json` format (as limner-mini ships)."""
    vocab = {token: i for i, token in enumerate(SPECIALS)}
    for word in WORDS:
        vocab[word] = len(vocab)
    added = [
        {
            "id": i,
            "content": token,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for i, token in enumerate(SPECIALS)
    ]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"},
    }


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    return ((q @ k.transpose(1, 2)) / math.sqrt(q.shape[-1])).softmax(-1) @ v


class TextEncoder(nn.Module):
    """Token + position embedding, one bidirectional transformer layer, final LayerNorm."""

    def __init__(self, vocab: int):
        super().__init__()
        self.embed = nn.Embedding(vocab, HIDDEN)
        self.position = nn.Parameter(torch.randn(MAX_LENGTH, HIDDEN) * 0.02)
        self.ln1 = nn.LayerNorm(HIDDEN)
        self.qkv = nn.Linear(HIDDEN, 3 * HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN)
        self.mlp = nn.Sequential(nn.Linear(HIDDEN, 2 * HIDDEN), nn.GELU(), nn.Linear(2 * HIDDEN, HIDDEN))
        self.ln_out = nn.LayerNorm(HIDDEN)

    def forward(self, input_ids):
        x = self.embed(input_ids) + self.position[: input_ids.shape[1]]
        q, k, v = self.qkv(self.ln1(x)).chunk(3, dim=-1)
        x = x + attention(q, k, v)
        x = x + self.mlp(self.ln2(x))
        return self.ln_out(x)


class Stage(nn.Module):
    """Time-conditioned residual conv block followed by cross-attention over the text states."""

    def __init__(self, c: int):
        super().__init__()
        self.norm = nn.GroupNorm(4, c)
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.temb = nn.Linear(HIDDEN, c)
        self.norm_attn = nn.GroupNorm(4, c)
        self.to_q = nn.Linear(c, c, bias=False)
        self.to_kv = nn.Linear(HIDDEN, 2 * c, bias=False)
        self.to_out = nn.Linear(c, c)

    def forward(self, x, temb, context):
        x = x + self.conv(F.silu(self.norm(x))) + self.temb(temb)[:, :, None, None]
        b, c, h, w = x.shape
        tokens = self.norm_attn(x).flatten(2).transpose(1, 2)
        k, v = self.to_kv(context).chunk(2, dim=-1)
        out = self.to_out(attention(self.to_q(tokens), k, v))
        return x + out.transpose(1, 2).reshape(b, c, h, w)


class Denoiser(nn.Module):
    """3-stage U-Net (full, 1/2, 1/4 latent resolution) predicting ε; skips are concatenated.

    Upsampling goes to the skip's own size, so odd latent sides (7 = 14/2) work.
    """

    def __init__(self):
        super().__init__()
        c1, c2, c3 = 16, 24, 32
        self.time_mlp = nn.Sequential(nn.Linear(HIDDEN, HIDDEN), nn.SiLU(), nn.Linear(HIDDEN, HIDDEN))
        self.conv_in = nn.Conv2d(LATENT_CHANNELS, c1, 3, padding=1)
        self.stage1 = Stage(c1)
        self.down1 = nn.Conv2d(c1, c2, 3, stride=2, padding=1)
        self.stage2 = Stage(c2)
        self.down2 = nn.Conv2d(c2, c3, 3, stride=2, padding=1)
        self.stage3 = Stage(c3)
        self.up2 = nn.Conv2d(c3 + c2, c2, 3, padding=1)
        self.up1 = nn.Conv2d(c2 + c1, c1, 3, padding=1)
        self.norm_out = nn.GroupNorm(4, c1)
        self.conv_out = nn.Conv2d(c1, LATENT_CHANNELS, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states):
        temb = self.time_mlp(timestep_embedding(timestep, HIDDEN))
        s1 = self.stage1(self.conv_in(sample), temb, encoder_hidden_states)
        s2 = self.stage2(self.down1(s1), temb, encoder_hidden_states)
        s3 = self.stage3(self.down2(s2), temb, encoder_hidden_states)
        x = F.interpolate(s3, size=s2.shape[-2:], mode="nearest")
        x = F.silu(self.up2(torch.cat([x, s2], dim=1)))
        x = F.interpolate(x, size=s1.shape[-2:], mode="nearest")
        x = F.silu(self.up1(torch.cat([x, s1], dim=1)))
        return self.conv_out(F.silu(self.norm_out(x)))


class VaeDecoder(nn.Module):
    """Three nearest ×2 upsample + conv stages: 8× spatial, output in [-1, 1]."""

    def __init__(self):
        super().__init__()
        c = 16
        self.conv_in = nn.Conv2d(LATENT_CHANNELS, c, 3, padding=1)
        self.ups = nn.ModuleList([nn.Conv2d(c, c, 3, padding=1) for _ in range(3)])
        self.conv_out = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, latent_sample):
        x = self.conv_in(latent_sample)
        for conv in self.ups:
            x = F.silu(conv(F.interpolate(x, scale_factor=2.0, mode="nearest")))
        return torch.tanh(self.conv_out(x))


class VaeEncoder(nn.Module):
    """Three stride-2 conv stages: 8× down to the decoder's latents (image in [-1, 1])."""

    def __init__(self):
        super().__init__()
        c = 16
        self.conv_in = nn.Conv2d(3, c, 3, padding=1)
        self.downs = nn.ModuleList([nn.Conv2d(c, c, 3, stride=2, padding=1) for _ in range(3)])
        self.conv_out = nn.Conv2d(c, LATENT_CHANNELS, 3, padding=1)

    def forward(self, image):
        x = F.silu(self.conv_in(image))
        for conv in self.downs:
            x = F.silu(conv(x))
        return self.conv_out(x)


class ConsistencyDecoder(nn.Module):
    """f(x_t, σ, z) = c_skip(σ)·x_t + c_out(σ)·F(c_in(σ)·x_t, σ, z), Song et al. 2023 (App. C).

    F sees the noisy image beside the latents upsampled 8× (nearest), as DALL-E 3's decoder is a
    pixel-space diffusion model conditioned on the VAE latents.
    """

    def __init__(self):
        super().__init__()
        c = 16
        self.latent_in = nn.Conv2d(LATENT_CHANNELS, c, 1)
        self.image_in = nn.Conv2d(3, c, 3, padding=1)
        self.sigma_mlp = nn.Sequential(nn.Linear(HIDDEN, c), nn.SiLU(), nn.Linear(c, c))
        self.mid = nn.Conv2d(c, c, 3, padding=1)
        self.conv_out = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, sample, sigma, latents):
        s = sigma.reshape(-1, 1, 1, 1)
        c_in = 1.0 / torch.sqrt(s**2 + SIGMA_DATA**2)
        c_skip = SIGMA_DATA**2 / ((s - SIGMA_MIN) ** 2 + SIGMA_DATA**2)
        c_out = SIGMA_DATA * (s - SIGMA_MIN) / torch.sqrt(s**2 + SIGMA_DATA**2)
        cond = F.interpolate(self.latent_in(latents), scale_factor=float(DOWNSAMPLE), mode="nearest")
        emb = self.sigma_mlp(timestep_embedding(0.25 * torch.log(sigma), HIDDEN))
        x = F.silu(self.image_in(c_in * sample) + cond + emb[:, :, None, None])
        x = F.silu(self.mid(x))
        return c_skip * sample + c_out * torch.tanh(self.conv_out(x))


class UpsamplerEncoder(nn.Module):
    def __init__(self, vocab: int):
        super().__init__()
        self.embed = nn.Embedding(vocab, HIDDEN)
        self.position = nn.Parameter(torch.randn(UPSAMPLER_MAX_INPUT, HIDDEN) * 0.5)
        self.ln = nn.LayerNorm(HIDDEN)
        self.qkv = nn.Linear(HIDDEN, 3 * HIDDEN)
        self.ln_out = nn.LayerNorm(HIDDEN)

    def forward(self, input_ids):
        x = self.embed(input_ids) + self.position[: input_ids.shape[1]]
        q, k, v = self.qkv(self.ln(x)).chunk(3, dim=-1)
        return self.ln_out(x + attention(q, k, v))


class UpsamplerDecoder(nn.Module):
    """Causal self-attention, cross-attention to the encoder memory, LM head, EOS ramp."""

    def __init__(self, vocab: int):
        super().__init__()
        self.embed = nn.Embedding(vocab, HIDDEN)
        self.position = nn.Parameter(torch.randn(UPSAMPLER_MAX_LENGTH, HIDDEN) * 0.5)
        self.ln1 = nn.LayerNorm(HIDDEN)
        self.qkv = nn.Linear(HIDDEN, 3 * HIDDEN)
        self.ln2 = nn.LayerNorm(HIDDEN)
        self.q = nn.Linear(HIDDEN, HIDDEN)
        self.kv = nn.Linear(HIDDEN, 2 * HIDDEN)
        self.ln_out = nn.LayerNorm(HIDDEN)
        self.head = nn.Linear(HIDDEN, vocab)
        self.register_buffer(
            "causal", torch.triu(torch.full((UPSAMPLER_MAX_LENGTH, UPSAMPLER_MAX_LENGTH), -1e9), 1)
        )
        ramp = torch.zeros(UPSAMPLER_MAX_LENGTH, vocab)
        ramp[:, EOS] = EOS_RAMP * (torch.arange(UPSAMPLER_MAX_LENGTH, dtype=torch.float32) - EOS_START)
        self.register_buffer("eos_ramp", ramp)

    def forward(self, memory, input_ids):
        t = input_ids.shape[1]
        x = self.embed(input_ids) + self.position[:t]
        q, k, v = self.qkv(self.ln1(x)).chunk(3, dim=-1)
        att = ((q @ k.transpose(1, 2)) / math.sqrt(HIDDEN) + self.causal[:t, :t]).softmax(-1)
        x = x + att @ v
        k, v = self.kv(memory).chunk(2, dim=-1)
        x = x + attention(self.q(self.ln2(x)), k, v)
        logits = 3.0 * self.head(self.ln_out(x))
        return logits + self.eos_ramp[:t]


def tensor(name: str, dtype: str, shape: list, **extra) -> dict:
    return {"name": name, "dtype": dtype, "shape": shape, **extra}


def manifest(vocab: int) -> dict:
    image = ["batch", 3, "height", "width"]
    latent = ["batch", LATENT_CHANNELS, "latent_height", "latent_width"]
    return {
        "id": "tiny-limner",
        "version": "0.0.1",
        "description": "tiny-limner: randomly initialised limner-format test bundle (every generation component; outputs are noise).",
        "tokenizer": "tokenizer.json",
        "buckets": [
            {"name": "square", "width": 64, "height": 64},
            {"name": "landscape", "width": 112, "height": 64},
            {"name": "portrait", "width": 64, "height": 112},
        ],
        "components": {
            "text_encoder": {
                "kind": "text-encoder",
                "file": "text_encoder.onnx",
                "inputs": {"input_ids": tensor("input_ids", "int64", ["batch", MAX_LENGTH])},
                "outputs": {
                    "hidden_states": tensor("last_hidden_state", "float32", ["batch", MAX_LENGTH, HIDDEN])
                },
                "max_length": MAX_LENGTH,
                "bos_id": BOS,
                "eos_id": EOS,
                "pad_id": PAD,
            },
            "denoiser": {
                "kind": "denoiser",
                "file": "denoiser.onnx",
                "inputs": {
                    "sample": tensor("sample", "float32", latent),
                    "timestep": tensor("timestep", "float32", ["batch"]),
                    "context": tensor("encoder_hidden_states", "float32", ["batch", MAX_LENGTH, HIDDEN]),
                },
                "outputs": {"prediction": tensor("noise_pred", "float32", latent)},
                "prediction_type": "epsilon",
                "architecture": "3-stage U-Net with cross-attention (latent, 1/2, 1/4)",
            },
            "vae_decoder": {
                "kind": "vae-decoder",
                "file": "vae_decoder.onnx",
                "inputs": {"latents": tensor("latent_sample", "float32", latent)},
                "outputs": {"image": tensor("sample", "float32", image)},
                "latent_channels": LATENT_CHANNELS,
                "scaling_factor": SCALING_FACTOR,
                "downsample_factor": DOWNSAMPLE,
            },
            "vae_encoder": {
                "kind": "vae-encoder",
                "file": "vae_encoder.onnx",
                "inputs": {"image": tensor("image", "float32", image)},
                "outputs": {"latents": tensor("latents", "float32", latent)},
                "latent_channels": LATENT_CHANNELS,
                "downsample_factor": DOWNSAMPLE,
            },
            "consistency_decoder": {
                "kind": "consistency-decoder",
                "file": "consistency_decoder.onnx",
                "inputs": {
                    "sample": tensor("sample", "float32", image),
                    "timestep": tensor("sigma", "float32", ["batch"]),
                    "latents": tensor("latents", "float32", latent),
                },
                "outputs": {"image": tensor("denoised", "float32", image)},
                "sampling": {
                    "sigmas": CONSISTENCY_SIGMAS,
                    "sigma_min": SIGMA_MIN,
                    "sigma_data": SIGMA_DATA,
                },
            },
            "upsampler": {
                "kind": "upsampler",
                "encoder": {
                    "file": "upsampler_encoder.onnx",
                    "inputs": {"input_ids": tensor("input_ids", "int64", ["batch", "source"])},
                    "outputs": {"memory": tensor("memory", "float32", ["batch", "source", HIDDEN])},
                },
                "decoder": {
                    "file": "upsampler_decoder.onnx",
                    "inputs": {
                        "memory": tensor("memory", "float32", ["batch", "source", HIDDEN]),
                        "input_ids": tensor("input_ids", "int64", ["batch", "target"]),
                    },
                    "outputs": {"logits": tensor("logits", "float32", ["batch", "target", vocab])},
                },
                "decoding": {
                    "strategy": "greedy",
                    "bos_id": BOS,
                    "eos_id": EOS,
                    "pad_id": PAD,
                    "max_input_length": UPSAMPLER_MAX_INPUT,
                    "max_length": UPSAMPLER_MAX_LENGTH,
                },
            },
        },
        "generation": {
            "scheduler_config": {
                "_class_name": "EulerDiscreteScheduler",
                "num_train_timesteps": 1000,
                "beta_start": 0.00085,
                "beta_end": 0.012,
                "beta_schedule": "scaled_linear",
                "prediction_type": "epsilon",
                "timestep_spacing": "linspace",
                "steps_offset": 0,
            },
            "defaults": {
                "steps": 4,
                "guidance_scale": 4.0,
                "scheduler": "euler",
                "decoder": "consistency",
            },
        },
    }


README = """# tiny-limner — a test-sized limner bundle with every generation component

Generated, never hand-edited (this README is written by the generator). Rebuild (deterministic:
fixed seed, identical bytes) with:

```sh
cd gpu-runtime
/usr/bin/python3 fixtures-src/make_tiny_limner.py --out test/fixtures/tiny-limner
```

(Debian's `python3-torch` 1.13 CPU, `torch.onnx.export` at opset 17; takes a few seconds.)

The weights are **random**: images are noise and the upsampler writes word salad. What is real
is the contract: `model.json` follows docs/model-manifest.md exactly (text encoder, 3-stage
U-Net denoiser, VAE decoder and encoder, 2-step consistency decoder, seq2seq upsampler,
`generation` section), so the runtime's limner loader and pipelines are tested against the format the
trained limner-mini will ship in.

| file | contents |
| --- | --- |
| `model.json` | the manifest; buckets 64×64, 112×64, 64×112 (latents 8×8, 14×8, 8×14) |
| `tokenizer.json` | HF tokenizers WordLevel: `[PAD]`=0 `[BOS]`=1 `[EOS]`=2 `[UNK]`=3, then a small shapes-world word list; lowercase + whitespace split |
| `text_encoder.onnx` | `input_ids` int64 [batch, 16] → `last_hidden_state` f32 [batch, 16, 32]; one transformer layer |
| `denoiser.onnx` | `sample` f32 [batch, 4, h, w], `timestep` f32 [batch], `encoder_hidden_states` f32 [batch, 16, 32] → `noise_pred` f32 (ε); stages at h×w, h/2, h/4 with cross-attention |
| `vae_decoder.onnx` | `latent_sample` f32 [batch, 4, h, w] → `sample` f32 [batch, 3, 8h, 8w] in [-1, 1] |
| `vae_encoder.onnx` | `image` f32 [batch, 3, 8h, 8w] in [-1, 1] → `latents` f32 [batch, 4, h, w] (the decoder's input space); three stride-2 convs |
| `consistency_decoder.onnx` | `sample` (x_t) f32 [batch, 3, 8h, 8w], `sigma` f32 [batch], `latents` f32 [batch, 4, h, w] → `denoised` f32 [batch, 3, 8h, 8w]; Song et al. 2023's c_skip/c_out parametrisation inside the graph (σ_min 0.002, σ_data 0.5); sampling σ = [80, 0.8] |
| `upsampler_encoder.onnx` | `input_ids` int64 [batch, source] → `memory` f32 [batch, source, 32] |
| `upsampler_decoder.onnx` | `memory`, `input_ids` int64 [batch, target] → `logits` f32 [batch, target, vocab]; the EOS logit gets +4 per position past 8, so greedy decoding of the random model still ends with EOS well before `max_length` 40 |

Every operator is per-sample, so row *i* of a batch equals a batch-1 run of the same input.
"""


def write_json(path: str, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    out = parser.parse_args().out
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)

    random.seed(SEED)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)

    tokenizer = build_tokenizer()
    vocab = len(tokenizer["model"]["vocab"])
    write_json(os.path.join(out, "tokenizer.json"), tokenizer)

    ids = torch.full((2, MAX_LENGTH), PAD, dtype=torch.int64)
    ids[:, 0], ids[:, 1], ids[:, 2] = BOS, 10, EOS
    export(
        TextEncoder(vocab),
        (ids,),
        os.path.join(out, "text_encoder.onnx"),
        ["input_ids"],
        ["last_hidden_state"],
        {"input_ids": {0: "batch"}, "last_hidden_state": {0: "batch"}},
    )
    latent_axes = {0: "batch", 2: "latent_height", 3: "latent_width"}
    image_axes = {0: "batch", 2: "height", 3: "width"}
    export(
        Denoiser(),
        (torch.randn(2, LATENT_CHANNELS, 14, 8), torch.tensor([10.0, 10.0]), torch.randn(2, MAX_LENGTH, HIDDEN)),
        os.path.join(out, "denoiser.onnx"),
        ["sample", "timestep", "encoder_hidden_states"],
        ["noise_pred"],
        {
            "sample": latent_axes,
            "timestep": {0: "batch"},
            "encoder_hidden_states": {0: "batch"},
            "noise_pred": latent_axes,
        },
    )
    export(
        VaeDecoder(),
        (torch.randn(2, LATENT_CHANNELS, 8, 14),),
        os.path.join(out, "vae_decoder.onnx"),
        ["latent_sample"],
        ["sample"],
        {"latent_sample": latent_axes, "sample": image_axes},
    )
    export(
        ConsistencyDecoder(),
        (torch.randn(2, 3, 64, 112), torch.tensor([80.0, 0.8]), torch.randn(2, LATENT_CHANNELS, 8, 14)),
        os.path.join(out, "consistency_decoder.onnx"),
        ["sample", "sigma", "latents"],
        ["denoised"],
        {"sample": image_axes, "sigma": {0: "batch"}, "latents": latent_axes, "denoised": image_axes},
    )
    source = torch.tensor([[BOS, 10, 11, EOS]], dtype=torch.int64)
    export(
        UpsamplerEncoder(vocab),
        (source,),
        os.path.join(out, "upsampler_encoder.onnx"),
        ["input_ids"],
        ["memory"],
        {"input_ids": {0: "batch", 1: "source"}, "memory": {0: "batch", 1: "source"}},
    )
    export(
        UpsamplerDecoder(vocab),
        (torch.randn(1, 4, HIDDEN), torch.tensor([[BOS, 12, 13]], dtype=torch.int64)),
        os.path.join(out, "upsampler_decoder.onnx"),
        ["memory", "input_ids"],
        ["logits"],
        {
            "memory": {0: "batch", 1: "source"},
            "input_ids": {0: "batch", 1: "target"},
            "logits": {0: "batch", 1: "target"},
        },
    )
    # Built last, so the torch RNG draws (and bytes) of every file above stay as they were.
    export(
        VaeEncoder(),
        (torch.randn(2, 3, 64, 112),),
        os.path.join(out, "vae_encoder.onnx"),
        ["image"],
        ["latents"],
        {"image": image_axes, "latents": latent_axes},
    )
    write_json(os.path.join(out, "model.json"), manifest(vocab))
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(README)
    print(f"wrote {out} (vocab {vocab})")


if __name__ == "__main__":
    main()
