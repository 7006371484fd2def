"""Does a rewrite keep what the prompt said? Checks against the prompt's own facts (never by
parsing the prompt), the held-out prompts they are measured on, and per-style scores."""

import itertools

import numpy as np

from ..world.parser import ParsedObject, parse_descriptive
from ..world.scene import STREAMS, sample_scene
from ..image.prompts import PROMPT_STYLES, Prompt, make_prompt

_RELATION_HOLDS = {
    "left": lambda a, b: a.col < b.col,
    "right": lambda a, b: a.col > b.col,
    "above": lambda a, b: a.row < b.row,
    "below": lambda a, b: a.row > b.row,
}


def _agrees(said, got: ParsedObject) -> bool:
    return all(want is None or want == have for want, have in
               ((said.shape, got.shape), (said.colour, got.colour), (said.texture, got.texture),
                (said.size, got.size)))


def _relation_true(prompt: Prompt, order) -> bool:
    if prompt.relation is None:
        return True
    i, relation, j = prompt.relation
    a, b = order[i], order[j]
    return None not in (a.row, a.col, b.row, b.col) and _RELATION_HOLDS[relation](a, b)


def faithful(prompt: Prompt, rewrite: str) -> bool:
    """The rewrite describes exactly the prompt's objects: same number (objects and any stated
    count), every stated shape / colour / texture / size kept, the stated background named,
    the stated relation true of the positions it gives."""
    parsed = parse_descriptive(rewrite)
    n = len(prompt.objects)
    if len(parsed.objects) != n or (parsed.count is not None and parsed.count != n):
        return False
    if prompt.background is not None and parsed.background != prompt.background:
        return False
    return any(all(_agrees(s, g) for s, g in zip(prompt.objects, order)) and _relation_true(prompt, order)
               for order in itertools.permutations(parsed.objects))


def contradicts(prompt: Prompt, rewrite: str) -> bool:
    """The rewrite states something against the prompt: another background, another number of
    objects (an invented or dropped object), a stated attribute with another value on every
    matching of its objects, or the stated relation reversed. Unlike `faithful`, an attribute
    the rewrite leaves unsaid is no contradiction."""
    parsed = parse_descriptive(rewrite)
    if prompt.background is not None and parsed.background not in (None, prompt.background):
        return True
    n = len(prompt.objects)
    if len(parsed.objects) != n or (parsed.count is not None and parsed.count != n):
        return True

    def clashes(said, got: ParsedObject) -> bool:
        return any(None not in (want, have) and want != have for want, have in
                   ((said.shape, got.shape), (said.colour, got.colour), (said.texture, got.texture),
                    (said.size, got.size)))

    def relation_reversed(order) -> bool:
        if prompt.relation is None:
            return False
        i, relation, j = prompt.relation
        a, b = order[i], order[j]
        return None not in (a.row, a.col, b.row, b.col) and not _RELATION_HOLDS[relation](a, b)

    return not any(not any(clashes(s, g) for s, g in zip(prompt.objects, order)) and not relation_reversed(order)
                   for order in itertools.permutations(parsed.objects))


def self_consistent(rewrite: str) -> bool:
    """The rewrite does not contradict itself: each object has a cell of its own, every "there
    are two stars" matches its objects, every relation sentence names objects it describes
    (uniquely) and holds for their positions."""
    parsed = parse_descriptive(rewrite)
    cells = [(o.row, o.col) for o in parsed.objects]
    if None in (c[0] for c in cells) or len(set(cells)) != len(cells):
        return False
    shapes = [o.shape for o in parsed.objects]
    if any(shapes.count(shape) != k for shape, k in parsed.shape_counts.items()):
        return False
    for colour_a, shape_a, relation, colour_b, shape_b in parsed.relations:
        a = [o for o in parsed.objects if (o.colour, o.shape) == (colour_a, shape_a)]
        b = [o for o in parsed.objects if (o.colour, o.shape) == (colour_b, shape_b)]
        if len(a) != 1 or len(b) != 1 or None in (a[0].row, a[0].col, b[0].row, b[0].col):
            return False
        if not _RELATION_HOLDS[relation](a[0], b[0]):
            return False
    return True


HELDOUT_BLOCK = 2_000_000  # held-out scene indices of the upsampler's prompts, apart from the image suite's


def heldout_prompts(seed: int, per_style: int) -> list[Prompt]:
    """`per_style` held-out prompts of every style in PROMPT_STYLES, each from its own scene."""
    prompts: list[Prompt] = []
    for style_index, style in enumerate(PROMPT_STYLES):
        first, found = HELDOUT_BLOCK + style_index * 100_000, 0
        # Count prompts apply to few scenes (about 7 %): search far enough to find `per_style`.
        for index in range(first, first + 60 * per_style):
            if found == per_style:
                break
            scene = sample_scene(seed, STREAMS["heldout"], index)
            prompt = make_prompt(scene, np.random.default_rng([seed, 29, style_index, index]), style)
            if prompt is not None:
                prompts.append(prompt)
                found += 1
    return prompts


def score_rewrites(prompts: list[Prompt], rewrites: list[str]) -> dict:
    """Per style: prompts, faithful rewrites (also self-consistent), contradicting rewrites."""
    out: dict = {}
    for p, r in zip(prompts, rewrites, strict=True):
        row = out.setdefault(p.style, {"prompts": 0, "faithful": 0, "contradictions": 0,
                                       "example": {"prompt": p.text, "rewrite": r}})
        row["prompts"] += 1
        row["faithful"] += faithful(p, r) and self_consistent(r)
        row["contradictions"] += contradicts(p, r)
    return out
