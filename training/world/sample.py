"""Streaming access to the world: a sample is (scene graph, render, three texts)."""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from . import texts
from .render import render
from .scene import STREAMS, Scene, sample_scene


@dataclass(frozen=True)
class Sample:
    scene: Scene
    image: np.ndarray  # HxWx3 uint8
    alt_kind: str
    alt_text: str
    short: str
    descriptive: str


def text_rng(seed: int, stream: int, index: int) -> np.random.Generator:
    # Texts draw from their own stream so changing phrasing never changes the scene.
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, stream, index, 1])))


def make_sample(seed: int, stream: int, index: int, bucket: str | None = None) -> Sample:
    scene = sample_scene(seed, stream, index, bucket)
    rng = text_rng(seed, stream, index)
    kind, alt = texts.alt_text(scene, rng)
    return Sample(
        scene=scene,
        image=render(scene),
        alt_kind=kind,
        alt_text=alt,
        short=texts.short_caption(scene),
        descriptive=texts.descriptive_caption(scene, rng),
    )


def iter_samples(seed: int, split: str, start: int = 0, count: int | None = None) -> Iterator[Sample]:
    """Endless (or `count`-long) deterministic stream of samples of one split."""
    stream = STREAMS[split]
    index = start
    while count is None or index < start + count:
        yield make_sample(seed, stream, index)
        index += 1
