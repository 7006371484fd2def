"""Scene graphs: sampling a seeded scene of 1-4 objects on a 3x3 grid."""

from dataclasses import asdict, dataclass

import numpy as np

from . import vocab

# Independent random streams of the same world seed. A sample is addressed by
# (seed, stream, index), so any image can be re-rendered from its address alone.
STREAMS = {"labelled": 0, "unlabelled": 1, "heldout": 2, "fresh": 3}


@dataclass(frozen=True)
class SceneObject:
    shape: str
    colour: str
    size: str
    texture: str
    row: int
    col: int

    @property
    def position(self) -> str:
        return f"{vocab.ROWS[self.row]} {vocab.COLUMNS[self.col]}"


@dataclass(frozen=True)
class Scene:
    seed: int
    stream: int
    index: int
    bucket: str
    background: str
    objects: tuple[SceneObject, ...]
    # Offsets of each object's centre from its cell centre, as a fraction of the free
    # margin, so positions are not pixel-identical yet stay inside their cell.
    jitter: tuple[tuple[float, float], ...]

    def to_json(self) -> dict:
        data = asdict(self)
        data["objects"] = [dict(asdict(o), position=o.position) for o in self.objects]
        return data


def rng_for(seed: int, stream: int, index: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, stream, index])))


def sample_scene(seed: int, stream: int, index: int, bucket: str | None = None) -> Scene:
    rng = rng_for(seed, stream, index)
    buckets = list(vocab.BUCKETS)
    chosen_bucket = buckets[int(rng.integers(len(buckets)))]
    if bucket is not None:
        chosen_bucket = bucket
    background = list(vocab.BACKGROUNDS)[int(rng.integers(len(vocab.BACKGROUNDS)))]
    count = int(rng.integers(1, 5))
    # At most one object per cell keeps positions and relations unambiguous.
    cells = rng.choice(9, size=count, replace=False)
    objects = []
    jitter = []
    for cell in cells:
        objects.append(
            SceneObject(
                shape=vocab.SHAPES[int(rng.integers(len(vocab.SHAPES)))],
                colour=list(vocab.COLOURS)[int(rng.integers(len(vocab.COLOURS)))],
                size=list(vocab.SIZES)[int(rng.integers(len(vocab.SIZES)))],
                texture=vocab.TEXTURES[int(rng.integers(len(vocab.TEXTURES)))],
                row=int(cell) // 3,
                col=int(cell) % 3,
            )
        )
        jitter.append((float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1))))
    return Scene(seed, stream, index, chosen_bucket, background, tuple(objects), tuple(jitter))
