"""Bulk captioning with the PyTorch captioner (greedy, key/value-cached, count-grounded descriptive mode)."""

import numpy as np
import torch

from ..world import vocab
from .batches import to_pixels
from .model import MAX_LEN, Captioner, CountGrounding
from .tokenizer import BOS, EOS, MODES, Tokenizer


def number_ids(tok: Tokenizer) -> list[int]:
    """Token ids of the count words "one" .. "four", indexed by count - 1."""
    return [tok.id(w) for w in vocab.NUMBER_WORDS[1:]]


@torch.no_grad()
def caption_images(model: Captioner, tok: Tokenizer, images: list[np.ndarray], mode: str) -> tuple[list[str], np.ndarray]:
    """Captions (word-level, lower case) and image embeddings for same-sized images."""
    model.eval()
    device = next(model.parameters()).device
    tokens, emb = model.encoder(to_pixels(images).to(device))
    prefix = torch.tensor([[tok.id(BOS), tok.id(MODES[mode])]] * len(images), device=device)
    grounding = CountGrounding(model.object_count(tokens), number_ids(tok)) if mode == "descriptive" else None
    ids = model.decoder.generate(tokens, prefix, MAX_LEN, tok.id(EOS), grounding)
    return [tok.decode(row[2:].tolist()) for row in ids.cpu()], emb.float().cpu().numpy()


@torch.no_grad()
def text_embeddings(model: Captioner, tok: Tokenizer, captions: list[str]) -> np.ndarray:
    rows = [[tok.id(BOS)] + tok.encode(c)[: MAX_LEN - 2] + [tok.id(EOS)] for c in captions]
    ids = torch.zeros(len(rows), max(map(len, rows)), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
    return model.tower(ids.to(next(model.parameters()).device)).float().cpu().numpy()
