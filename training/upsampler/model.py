"""The learned prompt upsampler: short user prompt -> descriptive caption, by a small seq2seq.

DALL-E 3 (Betker et al. 2023, section 3.1 and appendix C) trains on descriptive synthetic
captions, so at sampling time GPT-4 "upsamples" terse user prompts into that distribution.
Here a pre-norm transformer encoder-decoder (1 + 3 layers, width 128, 4 heads, ~1.1 M
parameters) plays GPT-4's part. Training pairs come from the labelled stream: source = a
user-like prompt of the scene (`prompts.random_prompt`, which names every object), target = a
ground-truth descriptive caption of the same scene, so the model learns to keep what the
prompt says and to invent the rest (sizes, positions, background) the way the captions do.

Exported as two ONNX graphs (docs/model-manifest.md, `upsampler`): the encoder once per
prompt, the decoder re-run on `[BOS] generated...` each greedy step (no key/value cache in the
graph; the runtime decodes batch 1 without padding).
"""

import torch
from torch import nn

from ..captioner.model import Attention
from ..captioner.tokenizer import BOS, EOS, PAD, SPECIALS

UPSAMPLER_MAX_INPUT = 32  # encoder ids, framing included; the longest prompt is 21
# Decoder positions, [BOS] included. The longest descriptive caption seen in 20 000 samples is
# 98 words and the templates allow at most 101, so 101 + [BOS] + [EOS] fits with slack.
UPSAMPLER_MAX_LENGTH = 112
WIDTH = 128
HEADS = 4
ENCODER_LAYERS = 1  # the prompt is at most 21 words of a closed vocabulary
DECODER_LAYERS = 3  # planning the layout and naming objects in relations needs the depth
OPSET = 17
PAD_ID, BOS_ID, EOS_ID = SPECIALS.index(PAD), SPECIALS.index(BOS), SPECIALS.index(EOS)
# Measured on the 2-core build box with other jobs running (1 thread, batch 64): 2.7-4.0
# steps/s, so 6-9 min; colour/texture/full fidelity reaches 100 % here, count ~0.7-0.9 and
# spatial ~0.2-0.45 (the model has not yet learnt to place objects by the stated relation).
DEFAULT_STEPS = 3000
DEFAULT_BATCH = 64
PEAK_LR = 2e-3
WARMUP = 100
_NEG = -1e9  # additive attention mask; finite so fully masked rows never give NaN


class _Layer(nn.Module):
    """Pre-norm transformer layer; the decoder's also cross-attends to the encoder memory."""

    def __init__(self, cross: bool):
        super().__init__()
        self.norm1 = nn.LayerNorm(WIDTH)
        self.self_attn = Attention(WIDTH, HEADS)
        self.cross_attn = Attention(WIDTH, HEADS) if cross else None
        self.norm2 = nn.LayerNorm(WIDTH) if cross else None
        self.norm3 = nn.LayerNorm(WIDTH)
        self.ffn = nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), nn.GELU(), nn.Linear(4 * WIDTH, WIDTH))

    def forward(self, x, self_bias, memory_kv=None, memory_bias=None, past=None):
        """`past` (keys, values) of earlier positions turns this into one cached decoding step."""
        h = self.norm1(x)
        k, v = self.self_attn.keys_values(h)
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        x = x + self.self_attn.attend(h, k, v, self_bias)
        if self.cross_attn is not None:
            x = x + self.cross_attn.attend(self.norm2(x), *memory_kv, memory_bias)
        return x + self.ffn(self.norm3(x)), (k, v)


class Upsampler(nn.Module):
    """(B, S) prompt ids -> memory (B, S, WIDTH); memory + (B, T) ids -> (B, T, vocab) logits."""

    def __init__(self, vocab_size: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, WIDTH)
        nn.init.normal_(self.embed.weight, std=0.02)
        self.source_position = nn.Parameter(torch.randn(UPSAMPLER_MAX_INPUT, WIDTH) * 0.02)
        self.target_position = nn.Parameter(torch.randn(UPSAMPLER_MAX_LENGTH, WIDTH) * 0.02)
        self.encoder = nn.ModuleList(_Layer(cross=False) for _ in range(ENCODER_LAYERS))
        self.encoder_norm = nn.LayerNorm(WIDTH)
        self.decoder = nn.ModuleList(_Layer(cross=True) for _ in range(DECODER_LAYERS))
        self.decoder_norm = nn.LayerNorm(WIDTH)
        self.head = nn.Linear(WIDTH, vocab_size)
        steps = torch.arange(UPSAMPLER_MAX_LENGTH)
        # Sliced to the actual target length, so the exported graph works for every length.
        self.register_buffer("causal", (steps[None, :] > steps[:, None]).float() * _NEG, persistent=False)

    @staticmethod
    def padding_bias(source_ids: torch.Tensor) -> torch.Tensor:
        return ((source_ids == PAD_ID).float() * _NEG)[:, None, None, :]

    def encode(self, source_ids: torch.Tensor) -> torch.Tensor:
        bias = self.padding_bias(source_ids)
        x = self.embed(source_ids) + self.source_position[: source_ids.shape[1]]
        for layer in self.encoder:
            x, _ = layer(x, bias)
        return self.encoder_norm(x)

    def decode(self, memory: torch.Tensor, target_ids: torch.Tensor, memory_bias: torch.Tensor | None = None):
        t = target_ids.shape[1]
        x = self.embed(target_ids) + self.target_position[:t]
        causal = self.causal[:t, :t]
        for layer in self.decoder:
            x, _ = layer(x, causal, layer.cross_attn.keys_values(memory), memory_bias)
        return self.head(self.decoder_norm(x))
