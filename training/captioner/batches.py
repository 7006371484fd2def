"""Training batches rendered on the fly, one aspect-ratio bucket per batch."""

import multiprocessing as mp
from collections import deque
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

    def to(self, device: torch.device) -> "Batch":
        move = lambda t: t.to(device, non_blocking=True)  # noqa: E731
        return Batch(move(self.pixels), move(self.decoder_ids), move(self.targets), move(self.tower_ids),
                     {k: move(v) for k, v in self.cells.items()})


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


def _pad(rows: list[list[int]]) -> np.ndarray:
    out = np.zeros((len(rows), max(map(len, rows))), dtype=np.int64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


def index_by_bucket(seed: int, split: str, size: int) -> dict[str, np.ndarray]:
    """Indices of a fixed subset of a split, grouped by the bucket their scene was drawn at."""
    stream = STREAMS[split]
    buckets = np.array([sample_scene(seed, stream, i).bucket for i in range(size)])
    return {b: np.nonzero(buckets == b)[0] for b in vocab.BUCKETS}


def caption_sequence(tok: Tokenizer, text: str, mode: str) -> list[int]:
    ids = [tok.id(BOS), tok.id(MODES[mode])] + tok.encode(text) + [tok.id(EOS)]
    return ids[:MAX_LEN]


def render_batch(tok: Tokenizer, seed: int, indices: list[int], modes: list[str]) -> dict[str, np.ndarray]:
    """Renders one batch of the labelled stream as numpy arrays (cheap to send between
    processes); `modes[i]` picks the caption style of sample i."""
    stream = STREAMS["labelled"]
    samples = [make_sample(seed, stream, i) for i in indices]
    seqs = [caption_sequence(tok, s.short if m == "short" else s.descriptive, m) for s, m in zip(samples, modes)]
    tower = [[tok.id(BOS)] + tok.encode(s.descriptive)[: MAX_LEN - 2] + [tok.id(EOS)] for s in samples]
    targets = [cell_targets(s.descriptive) for s in samples]
    out = {"images": np.stack([s.image for s in samples]), "seqs": _pad(seqs), "tower": _pad(tower)}
    out.update({f"cell_{name}": np.array([t[name] for t in targets], dtype=np.int64) for name in AUX_CLASSES})
    return out


def to_batch(arrays: dict[str, np.ndarray]) -> Batch:
    full = torch.from_numpy(arrays["seqs"])
    cells = {name: torch.from_numpy(arrays[f"cell_{name}"]) for name in AUX_CLASSES}
    return Batch(to_pixels(arrays["images"]), full[:, :-1], full[:, 1:].clone(), torch.from_numpy(arrays["tower"]), cells)


def _plans(seed: int, groups: dict[str, np.ndarray], batch_size: int, short_fraction: float,
           rng: np.random.Generator) -> Iterator[tuple[int, list[int], list[str]]]:
    """Endless (seed, indices, modes) batch plans: one bucket per batch, drawn in proportion
    to the bucket's share of the labelled subset; each caption short with probability
    `short_fraction`, else descriptive. All randomness is here, in one process."""
    names = [b for b in groups if len(groups[b])]
    weights = np.array([len(groups[b]) for b in names], dtype=np.float64)
    while True:
        bucket = names[int(rng.choice(len(names), p=weights / weights.sum()))]
        chosen = [int(i) for i in rng.choice(groups[bucket], size=batch_size)]
        modes = ["short" if rng.random() < short_fraction else "descriptive" for _ in chosen]
        yield seed, chosen, modes


_worker_tok: Tokenizer | None = None


def _init_worker(tok: Tokenizer) -> None:
    global _worker_tok
    _worker_tok = tok


def _render_in_worker(plan: tuple[int, list[int], list[str]]) -> dict[str, np.ndarray]:
    assert _worker_tok is not None
    return render_batch(_worker_tok, *plan)


def iter_batches(tok: Tokenizer, seed: int, groups: dict[str, np.ndarray], batch_size: int,
                 short_fraction: float, rng: np.random.Generator, workers: int = 0) -> Iterator[Batch]:
    """Endless batches from the labelled subset. With `workers` > 0, batches are rendered by
    that many processes (a GPU outruns one rendering core many times over), a bounded number
    ahead, in the same order as without workers: the batches are identical either way."""
    plans = _plans(seed, groups, batch_size, short_fraction, rng)
    if workers <= 0:
        for plan in plans:
            yield to_batch(render_batch(tok, *plan))
        return
    # spawn, not fork: the parent may already hold a CUDA context, which forked children must not inherit.
    with mp.get_context("spawn").Pool(workers, initializer=_init_worker, initargs=(tok,)) as pool:
        ahead: deque = deque(pool.apply_async(_render_in_worker, (next(plans),)) for _ in range(2 * workers))
        while True:
            arrays = ahead.popleft().get()
            ahead.append(pool.apply_async(_render_in_worker, (next(plans),)))
            yield to_batch(arrays)
