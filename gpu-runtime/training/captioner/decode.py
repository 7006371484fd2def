"""Bulk captioning with the PyTorch captioner (greedy, key/value-cached)."""

import numpy as np
import torch

from .batches import to_pixels
from .model import MAX_LEN, Captioner
from .tokenizer import BOS, EOS, MODES, Tokenizer


@torch.no_grad()
def caption_images(model: Captioner, tok: Tokenizer, images: list[np.ndarray], mode: str) -> tuple[list[str], np.ndarray]:
    """Captions (word-level, lower case) and image embeddings for same-sized images."""
    model.eval()
    tokens, emb = model.encoder(to_pixels(images))
    prefix = torch.tensor([[tok.id(BOS), tok.id(MODES[mode])]] * len(images))
    ids = model.decoder.generate(tokens, prefix, MAX_LEN, tok.id(EOS))
    return [tok.decode(row[2:].tolist()) for row in ids], emb.numpy()


@torch.no_grad()
def text_embeddings(model: Captioner, tok: Tokenizer, captions: list[str]) -> np.ndarray:
    rows = [[tok.id(BOS)] + tok.encode(c)[: MAX_LEN - 2] + [tok.id(EOS)] for c in captions]
    ids = torch.zeros(len(rows), max(map(len, rows)), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
    return model.tower(ids).numpy()
