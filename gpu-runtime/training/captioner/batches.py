"""Training batches rendered on the fly, one aspect-ratio bucket per batch."""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from ..world import vocab
from ..world.sample import make_sample
from ..world.scene import STREAMS, sample_scene
from ..world.parser import parse_descriptive
from .model import AUX_CLASSES, MAX_LEN
from .tokenizer import BOS, EOS, MODES, Tokenizer


@dataclass
class Batch:
    pixels: torch.Tensor  # (B, 3, H, W) float in [0, 1]
    decoder_ids: torch.Tensor  # (B, T) [BOS] [MODE] words...; 0-padded
    targets: torch.Tensor  # (B, T) next token, 0 (ignored) where padded
    tower_ids: torch.Tensor  # (B, L) [BOS] descriptive words [EOS]; 0-padded
    cells: dict[str, torch.Tensor]  # name -> (B, 9) class per layout cell, -100 = no object


def cell_targets(descriptive: str) -> dict[str, list[int]]:
    """Per-cell attribute labels read from the labelled caption with the caption parser (the
    supervision is the caption's content, not the renderer's internals)."""
    out = {name: [-100] * 9 for name in AUX_CLASSES}
    out["present"] = [0] * 9
    for obj in parse_descriptive(descriptive).objects:
        cell = obj.row * 3 + obj.col
        out["present"][cell] = 1
        out["shape"][cell] = vocab.SHAPES.index(obj.shape)
        out["colour"][cell] = list(vocab.COLOURS).index(obj.colour)
        out["texture"][cell] = vocab.TEXTURES.index(obj.texture)
        out["size"][cell] = list(vocab.SIZES).index(obj.size)
    return out


def to_pixels(images: list[np.ndarray]) -> torch.Tensor:
    return torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float().div_(255.0)


def _pad(rows: list[list[int]]) -> torch.Tensor:
    out = torch.zeros(len(rows), max(map(len, rows)), dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.tensor(r)
    return out


def index_by_bucket(seed: int, split: str, size: int) -> dict[str, np.ndarray]:
    """Indices of a fixed subset of a split, grouped by the bucket their scene was drawn at."""
    stream = STREAMS[split]
    buckets = np.array([sample_scene(seed, stream, i).bucket for i in range(size)])
    return {b: np.nonzero(buckets == b)[0] for b in vocab.BUCKETS}


def caption_sequence(tok: Tokenizer, text: str, mode: str) -> list[int]:
    ids = [tok.id(BOS), tok.id(MODES[mode])] + tok.encode(text) + [tok.id(EOS)]
    return ids[:MAX_LEN]


def iter_batches(tok: Tokenizer, seed: int, groups: dict[str, np.ndarray], batch_size: int,
                 short_fraction: float, rng: np.random.Generator) -> Iterator[Batch]:
    """Endless batches from the labelled subset; each caption is short with probability
    `short_fraction`, else descriptive."""
    names = [b for b in groups if len(groups[b])]
    weights = np.array([len(groups[b]) for b in names], dtype=np.float64)
    stream = STREAMS["labelled"]
    while True:
        bucket = names[int(rng.choice(len(names), p=weights / weights.sum()))]
        chosen = rng.choice(groups[bucket], size=batch_size)
        samples = [make_sample(seed, stream, int(i)) for i in chosen]
        seqs = []
        for s in samples:
            mode = "short" if rng.random() < short_fraction else "descriptive"
            seqs.append(caption_sequence(tok, s.short if mode == "short" else s.descriptive, mode))
        full = _pad(seqs)
        tower = _pad([[tok.id(BOS)] + tok.encode(s.descriptive)[: MAX_LEN - 2] + [tok.id(EOS)] for s in samples])
        targets = [cell_targets(s.descriptive) for s in samples]
        cells = {name: torch.tensor([t[name] for t in targets]) for name in AUX_CLASSES}
        yield Batch(to_pixels([s.image for s in samples]), full[:, :-1], full[:, 1:].clone(), tower, cells)
