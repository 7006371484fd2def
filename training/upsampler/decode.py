"""Batched greedy decoding in PyTorch, the same rule as the runtime's pipeline."""

import torch

from ..captioner.tokenizer import Tokenizer
from .model import BOS_ID, EOS_ID, PAD_ID, UPSAMPLER_MAX_INPUT, UPSAMPLER_MAX_LENGTH, Upsampler
from .pairs import _pad, frame


@torch.no_grad()
def upsample_greedy(model: Upsampler, tok: Tokenizer, prompts: list[str]) -> list[str]:
    """Batched greedy decoding with a key/value cache; same rule as the runtime (argmax, lowest
    id on ties, [BOS]/[PAD] masked, stop at [EOS] or UPSAMPLER_MAX_LENGTH positions)."""
    if not prompts:
        return []
    model.eval()
    source = _pad([frame(tok, p, UPSAMPLER_MAX_INPUT) for p in prompts])
    memory_bias = Upsampler.padding_bias(source)
    memory = model.encode(source)
    memory_kv = [layer.cross_attn.keys_values(memory) for layer in model.decoder]
    past: list = [None] * len(model.decoder)
    banned = torch.zeros(model.head.out_features)
    banned[[BOS_ID, PAD_ID]] = float("-inf")
    generated = torch.full((len(prompts), 1), BOS_ID, dtype=torch.long)
    done = torch.zeros(len(prompts), dtype=torch.bool)
    while generated.shape[1] < UPSAMPLER_MAX_LENGTH and not bool(done.all()):
        t = generated.shape[1] - 1
        x = model.embed(generated[:, -1:]) + model.target_position[t : t + 1]
        for i, layer in enumerate(model.decoder):
            x, past[i] = layer(x, None, memory_kv[i], memory_bias, past[i])
        nxt = (model.head(model.decoder_norm(x[:, -1])) + banned).argmax(-1)
        nxt = torch.where(done, torch.full_like(nxt, PAD_ID), nxt)
        generated = torch.cat([generated, nxt[:, None]], 1)
        done |= nxt == EOS_ID
    return [tok.decode(row[1:].tolist()) for row in generated]
