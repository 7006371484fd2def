"""Renders fresh shapes-world scenes for the TypeScript judge's tests.

Usage (from gpu-runtime/, with PYTHONPATH=.): python3 test/judge/render-scenes.py OUT SEED COUNT SWAPS

Writes OUT/<i>.png and OUT/index.json: per scene the ground-truth scene graph, its short and
descriptive captions (also in `pretty` human-facing form), and the Python judge's read-out of
the same PNG. SWAPS scenes also get OUT/<i>-swapped.png: the same scene with one object
recoloured, for the scoring tests. Buckets cycle square / landscape / portrait.
"""

import dataclasses
import json
import sys
from pathlib import Path

from PIL import Image

from training.judge.read import read_scene
from training.world import texts, vocab
from training.world.render import render
from training.world.sample import make_sample
from training.world.scene import STREAMS


def graph(background, objects):
    return {
        "background": background,
        "objects": [
            {
                "shape": o.shape,
                "colour": o.colour,
                "size": o.size,
                "texture": o.texture,
                "position": {"column": vocab.COLUMNS[o.col], "row": vocab.ROWS[o.row]},
            }
            for o in objects
        ],
    }


def main(out: Path, seed: int, count: int, swaps: int) -> None:
    buckets = list(vocab.BUCKETS)
    entries = []
    made = 0
    for index in range(count):
        sample = make_sample(seed, STREAMS["fresh"], index, buckets[index % len(buckets)])
        scene = sample.scene
        Image.fromarray(sample.image).save(out / f"{index}.png")
        read = read_scene(sample.image)
        entry = {
            "file": f"{index}.png",
            "bucket": scene.bucket,
            "truth": graph(scene.background, sorted(scene.objects, key=lambda o: (o.row, o.col))),
            "short": sample.short,
            "descriptive": sample.descriptive,
            "pretty": texts.pretty(sample.descriptive),
            "python": graph(read.background, read.objects),
        }
        names = [(o.colour, o.shape) for o in scene.objects]
        unique = [i for i, name in enumerate(names) if names.count(name) == 1]
        if made < swaps and unique:
            # Recolour an object whose colour+shape is unique, to a colour no object of its
            # shape has: the prompt's "<colour> <shape>" then names nothing in the image.
            target = scene.objects[unique[0]]
            taken = {o.colour for o in scene.objects if o.shape == target.shape}
            colour = next(c for c in vocab.COLOURS if c not in taken)
            objects = list(scene.objects)
            objects[unique[0]] = dataclasses.replace(target, colour=colour)
            swapped = dataclasses.replace(scene, objects=tuple(objects))
            Image.fromarray(render(swapped)).save(out / f"{index}-swapped.png")
            entry["swapped"] = f"{index}-swapped.png"
            made += 1
        entries.append(entry)
    (out / "index.json").write_text(json.dumps(entries))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
