"""The three texts of every image: web-like alt-text, short caption, descriptive caption.

All texts are lower case with punctuation as separate words ("a red star ."), which is
exactly what the word-level tokenizer round-trips; `pretty` makes them human-facing.

Alt-text mix (fractions of samples, drawn per image from its own seeded stream), imitating
what scraped alt-text looks like:
  - 25 % file names          "img_2034 . jpg", "dsc_0192 . png"
  - 15 % ad / stock copy     "buy now , free shipping on wall art"
  - 15 % generic             "abstract wallpaper", "background image"
  - 15 % vague               "colourful shapes", "some shapes on a dark background"
  - 20 % partly right        names one real object, sometimes with "clipart"/"icon"
  - 10 % wrong               names an object with a wrong colour or shape
"""

import re

import numpy as np

from . import vocab
from .scene import Scene, SceneObject

ALT_TEXT_MIX: dict[str, float] = {
    "filename": 0.25,
    "ad": 0.15,
    "generic": 0.15,
    "vague": 0.15,
    "partial": 0.20,
    "wrong": 0.10,
}

_FILE_STEMS = ("img", "dsc", "photo", "image", "screenshot", "pic", "untitled")
_FILE_EXTS = ("jpg", "png", "jpeg", "gif", "webp")
_AD_COPY = (
    "buy now , free shipping on wall art",
    "best prices on modern posters",
    "limited offer : 50 % off prints",
    "shop the new collection today",
    "stock photo , royalty free",
    "click here to download",
)
_GENERIC = (
    "abstract wallpaper",
    "background image",
    "geometric pattern",
    "modern art",
    "design element",
    "untitled",
)
_VAGUE = (
    "colourful shapes",
    "some shapes",
    "shapes on a {tone} background",
    "a few simple shapes",
    "kids shapes poster",
)
_PARTIAL = ("{colour} {shape}", "{colour} {shape} clipart", "{shape} icon", "a {colour} {shape} on {bg}")


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _alt_kind(rng: np.random.Generator) -> str:
    kinds = list(ALT_TEXT_MIX)
    return kinds[int(rng.choice(len(kinds), p=list(ALT_TEXT_MIX.values())))]


def alt_text(scene: Scene, rng: np.random.Generator) -> tuple[str, str]:
    """Returns (kind, text); kind is one of ALT_TEXT_MIX's keys."""
    kind = _alt_kind(rng)
    if kind == "filename":
        text = f"{_pick(rng, _FILE_STEMS)}_{int(rng.integers(1000, 9999))} . {_pick(rng, _FILE_EXTS)}"
    elif kind == "ad":
        text = _pick(rng, _AD_COPY)
    elif kind == "generic":
        text = _pick(rng, _GENERIC)
    elif kind == "vague":
        tone = "light" if scene.background in vocab.LIGHT_BACKGROUNDS else "dark"
        text = _pick(rng, _VAGUE).format(tone=tone)
    elif kind == "partial":
        obj = _pick(rng, scene.objects)
        text = _pick(rng, _PARTIAL).format(colour=obj.colour, shape=obj.shape, bg=scene.background)
    else:
        obj = _pick(rng, scene.objects)
        colours = [c for c in vocab.COLOURS if c != obj.colour]
        shapes = [s for s in vocab.SHAPES if s != obj.shape]
        if rng.random() < 0.5:
            text = f"{_pick(rng, colours)} {obj.shape}"
        else:
            text = f"{obj.colour} {_pick(rng, shapes)}"
    return kind, text


def main_subjects(scene: Scene) -> list[SceneObject]:
    """The (up to two) largest objects, reading order breaking ties: the short caption's subjects."""
    order = sorted(
        scene.objects,
        key=lambda o: (-vocab.SIZES[o.size], o.row, o.col),
    )
    return order[:2]


def short_caption(scene: Scene) -> str:
    """Main subjects only, as the DALL-E 3 report's "short synthetic captions"."""
    names = [f"a {o.colour} {o.shape}" for o in main_subjects(scene)]
    return " and ".join(names)


_TEX_ADJ = {
    "plain": ("plain", "solid"),
    "striped": ("striped",),
    "dotted": ("dotted", "spotted"),
    "checkered": ("checkered",),
}
_TEX_NOUN = {
    "plain": "no pattern",
    "striped": "stripes",
    "dotted": "dots",
    "checkered": "a checkered pattern",
}


def position_phrase(obj: SceneObject, rng: np.random.Generator) -> str:
    """Row/column phrase; a missing row word means middle, a missing column word centre."""
    row, col = vocab.ROWS[obj.row], vocab.COLUMNS[obj.col]
    if row == "middle" and col == "centre":
        return _pick(rng, ("in the centre", "in the middle", "in the middle centre"))
    if row == "middle":
        return _pick(rng, (f"on the {col} side", f"on the {col}", f"at the middle {col}"))
    if col == "centre":
        return _pick(rng, (f"at the {row}", f"at the {row} centre"))
    return _pick(rng, (f"at the {row} {col}", f"in the {row} {col}", f"in the {row} {col} corner"))


def _object_sentence(obj: SceneObject, rng: np.random.Generator) -> str:
    size, colour, shape = obj.size, obj.colour, obj.shape
    adj = _pick(rng, _TEX_ADJ[obj.texture])
    noun = _TEX_NOUN[obj.texture]
    pos = position_phrase(obj, rng)
    templates = (
        f"a {size} {colour} {adj} {shape} is {pos} .",
        f"{pos} there is a {size} {adj} {colour} {shape} .",
        f"a {size} {colour} {shape} with {noun} sits {pos} .",
        f"{pos} is a {colour} {shape} , {size} and {adj} .",
        f"there is a {adj} {shape} {pos} , {size} and {colour} .",
    )
    return _pick(rng, templates)


def _relation_sentences(scene: Scene, rng: np.random.Generator) -> list[str]:
    # Relations only between objects whose colour+shape name is unique, so "the red star"
    # refers to exactly one object.
    names = [(o.colour, o.shape) for o in scene.objects]
    unique = [o for o in scene.objects if names.count((o.colour, o.shape)) == 1]
    pairs = [(a, b) for i, a in enumerate(unique) for b in unique[i + 1 :]]
    rng.shuffle(pairs)
    sentences = []
    for a, b in pairs[: int(rng.integers(0, 3))]:
        if a.col != b.col and (a.row == b.row or rng.random() < 0.5):
            left, right = (a, b) if a.col < b.col else (b, a)
            if rng.random() < 0.5:
                sentences.append(f"the {left.colour} {left.shape} is to the left of the {right.colour} {right.shape} .")
            else:
                sentences.append(f"the {right.colour} {right.shape} is to the right of the {left.colour} {left.shape} .")
        elif a.row != b.row:
            top, bottom = (a, b) if a.row < b.row else (b, a)
            if rng.random() < 0.5:
                sentences.append(f"the {top.colour} {top.shape} is above the {bottom.colour} {bottom.shape} .")
            else:
                sentences.append(f"the {bottom.colour} {bottom.shape} is below the {top.colour} {top.shape} .")
    return sentences


def _intro(scene: Scene, rng: np.random.Generator) -> str:
    n = len(scene.objects)
    word = vocab.NUMBER_WORDS[n]
    noun = "object" if n == 1 else "objects"
    shapes_noun = "shape" if n == 1 else "shapes"
    verb = "is" if n == 1 else "are"
    bg = scene.background
    return _pick(
        rng,
        (
            f"a picture with a {bg} background and {word} {noun} .",
            f"on a {bg} background there {verb} {word} {shapes_noun} .",
            f"the image shows {word} {shapes_noun} on a {bg} background .",
            f"{word} {noun} on a {bg} background .",
        ),
    )


def _shape_counts(scene: Scene) -> list[str]:
    """Mention repeated shapes explicitly ("there are two stars ."), a counting cue."""
    out = []
    for shape in vocab.SHAPES:
        k = sum(o.shape == shape for o in scene.objects)
        if k > 1:
            out.append(f"there are {vocab.NUMBER_WORDS[k]} {vocab.SHAPE_PLURALS[shape]} .")
    return out


def descriptive_caption(scene: Scene, rng: np.random.Generator) -> str:
    """Everything in the scene, in one of several orderings and phrasings."""
    objects = list(scene.objects)
    order = int(rng.integers(3))
    if order == 0:
        objects.sort(key=lambda o: (o.row, o.col))  # reading order
    elif order == 1:
        objects.sort(key=lambda o: (-vocab.SIZES[o.size], o.row, o.col))  # biggest first
    else:
        rng.shuffle(objects)
    parts = [_intro(scene, rng)]
    parts += [_object_sentence(o, rng) for o in objects]
    parts += _shape_counts(scene)
    parts += _relation_sentences(scene, rng)
    return " ".join(parts)


def pretty(text: str) -> str:
    """Human-facing form: file names rejoined, no space before punctuation, capitalised sentences."""
    out = re.sub(r" \. (" + "|".join(_FILE_EXTS) + r")\b", r".\1", text)
    out = re.sub(r" ([.,:%])", r"\1", out)
    return re.sub(r"(^|[.:] )([a-z])", lambda m: m.group(1) + m.group(2).upper(), out)
