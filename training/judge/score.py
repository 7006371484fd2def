"""T2I-CompBench-style scores of a (prompt, image) pair, from the judge's read-out.

The prompt is parsed with the caption parser (descriptive style; falls back to bare
mentions such as "a red star and a blue circle"). Each score is in [0, 1]:
- colour_binding:  prompt objects for which an object of that shape has that colour;
- shape_binding:   prompt shapes present in the image;
- texture_binding: prompt objects for which an object of that shape has that texture;
- counting:        1 when the number of objects (and of each counted shape) matches;
- spatial:         stated relations that hold between the named objects' centroids' cells.
A score is None when the prompt says nothing it could check.
"""

import numpy as np

from ..world.parser import ParsedCaption, parse_descriptive, parse_mentions
from .read import ReadObject, read_scene


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _find(objects: list[ReadObject], colour: str | None, shape: str) -> list[ReadObject]:
    return [o for o in objects if o.shape == shape and (colour is None or o.colour == colour)]


def score(prompt: str, image: np.ndarray) -> dict[str, float | None]:
    parsed: ParsedCaption = parse_descriptive(prompt)
    if not parsed.objects:
        parsed.objects = parse_mentions(prompt)
    read = read_scene(image)
    found = read.objects
    colour, shape, texture = [], [], []
    for want in parsed.objects:
        same_shape = _find(found, None, want.shape)
        shape.append(float(bool(same_shape)))
        if want.colour is not None:
            colour.append(float(any(o.colour == want.colour for o in same_shape)))
        if want.texture is not None:
            texture.append(float(any(o.texture == want.texture for o in same_shape)))
    counting = []
    if parsed.count is not None:
        counting.append(float(len(found) == parsed.count))
    for name, k in parsed.shape_counts.items():
        counting.append(float(len(_find(found, None, name)) == k))
    spatial = []
    for ca, sa, rel, cb, sb in parsed.relations:
        a, b = _find(found, ca, sa), _find(found, cb, sb)
        ok = False
        if a and b:
            oa, ob = a[0], b[0]
            ok = {
                "left": oa.col < ob.col,
                "right": oa.col > ob.col,
                "above": oa.row < ob.row,
                "below": oa.row > ob.row,
            }[rel]
        spatial.append(float(ok))
    return {
        "colour_binding": _mean(colour),
        "shape_binding": _mean(shape),
        "texture_binding": _mean(texture),
        "counting": _mean(counting),
        "spatial": _mean(spatial),
    }
