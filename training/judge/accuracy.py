"""Judge accuracy on ground-truth renders: does it read back the generator's scene graph?"""

from ..world.sample import make_sample
from ..world.scene import STREAMS
from .read import read_scene

ATTRIBUTES = ("colour", "shape", "texture", "size", "position")


def judge_accuracy(seed: int, count: int, split: str = "heldout", reconstruct=None) -> dict[str, float]:
    """Per-attribute accuracy over ground-truth objects, plus count and background accuracy.
    Objects are matched by grid cell (one object per cell); a missed object is wrong on all.
    `reconstruct(sample) -> image` (e.g. a VAE round trip of `sample.image`) replaces the render
    before reading: the judge's accuracy on reconstructions bounds what a generator decoding
    them can score. It gets the whole sample so that it can also use the scene's captions."""
    hits = {a: 0 for a in ATTRIBUTES}
    total = 0
    counts_ok = background_ok = 0
    for index in range(count):
        sample = make_sample(seed, STREAMS[split], index)
        read = read_scene(sample.image if reconstruct is None else reconstruct(sample))
        counts_ok += len(read.objects) == len(sample.scene.objects)
        background_ok += read.background == sample.scene.background
        by_cell = {(o.row, o.col): o for o in read.objects}
        for obj in sample.scene.objects:
            total += 1
            got = by_cell.get((obj.row, obj.col))
            if got is None:
                continue
            hits["colour"] += got.colour == obj.colour
            hits["shape"] += got.shape == obj.shape
            hits["texture"] += got.texture == obj.texture
            hits["size"] += got.size == obj.size
            hits["position"] += 1
    result = {a: hits[a] / total for a in ATTRIBUTES}
    result["count"] = counts_ok / count
    result["background"] = background_ok / count
    result["objects"] = total
    result["images"] = count
    return result
