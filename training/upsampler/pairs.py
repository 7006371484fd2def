"""Training pairs of the upsampler: (user-like prompt, descriptive caption) of one labelled scene."""

import functools

import numpy as np
import torch

from ..captioner.tokenizer import Tokenizer
from ..world.parser import parse_descriptive
from ..world.scene import STREAMS, sample_scene
from ..world.texts import descriptive_caption
from ..image.prompts import random_prompt
from .model import BOS_ID, EOS_ID, PAD_ID, UPSAMPLER_MAX_INPUT, UPSAMPLER_MAX_LENGTH

BACKGROUND_SUFFIX = 0.2  # share of other styles' prompts that also state the background


def frame(tok: Tokenizer, text: str, limit: int) -> list[int]:
    """`[BOS] words [EOS]`, words cut to fit `limit` ids (the manifest's framing rule)."""
    return [BOS_ID] + tok.encode(text)[: limit - 2] + [EOS_ID]


def _pad(rows: list[list[int]]) -> torch.Tensor:
    out = torch.full((len(rows), max(map(len, rows))), PAD_ID, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.tensor(row)
    return out


def training_pair(seed: int, index: int) -> tuple[str, str]:
    """(short prompt, descriptive caption) of labelled scene `index`; addressed, so a resumed
    run sees exactly the batches an uninterrupted one would. The prompt lists the objects in
    the order the caption describes them: a monotone alignment the small model learns several
    times faster than matching a shuffled list, and the rewrite then keeps the user's order."""
    scene = sample_scene(seed, STREAMS["labelled"], index)
    rng = np.random.default_rng([seed, 23, index])
    caption = descriptive_caption(scene, rng)
    # Cells are distinct, so an object sentence's position names its scene object.
    cells = [(o.row, o.col) for o in scene.objects]
    order = [cells.index((o.row, o.col)) for o in parse_descriptive(caption).objects]
    prompt = random_prompt(scene, rng, order)
    if prompt.background is None and rng.random() < BACKGROUND_SUFFIX:
        # Users state a background with any kind of prompt ("two stars to the left of ... on a
        # black background"); the caption's intro must then name that one.
        return f"{prompt.text} on a {scene.background} background", caption
    return prompt.text, caption


BUCKET_GROUP = 8  # batches drawn together and split by target length


def training_batch(tok: Tokenizer, seed: int, step: int, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Batch `step`: the pairs of BUCKET_GROUP consecutive batches are sorted by caption length
    and cut into batches (in a seeded order), so a batch pads to its own length rather than to
    the longest four-object caption; that halves the decoder's work."""
    group, slot = divmod(step, BUCKET_GROUP)
    framed = _bucket_group(tok, seed, group, batch_size)
    chunk = int(np.random.default_rng([seed, 31, group]).permutation(BUCKET_GROUP)[slot])
    mine = framed[chunk * batch_size : (chunk + 1) * batch_size]
    return _pad([s for s, _ in mine]), _pad([t for _, t in mine])


@functools.lru_cache(maxsize=1)
def _bucket_group(tok: Tokenizer, seed: int, group: int, batch_size: int) -> list[tuple[list[int], list[int]]]:
    first = group * BUCKET_GROUP * batch_size
    pairs = [training_pair(seed, first + i) for i in range(BUCKET_GROUP * batch_size)]
    framed = [(frame(tok, p, UPSAMPLER_MAX_INPUT), frame(tok, c, UPSAMPLER_MAX_LENGTH + 1)) for p, c in pairs]
    return sorted(framed, key=lambda pair: len(pair[1]))
