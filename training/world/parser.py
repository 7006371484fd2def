"""Caption parser: reads scene facts back out of short and descriptive captions.

It understands every phrasing `texts` produces (and tolerates prompts written in the same
style by people or the upsampler): sentences are classified as background/count,
relation, shape-count or object sentences, and each object sentence yields one object.
Attributes not mentioned come back as None.
"""

import re
from dataclasses import dataclass, field

from . import vocab

_TEXTURE_WORDS = {
    "plain": "plain", "solid": "plain", "no pattern": "plain",
    "striped": "striped", "stripes": "striped",
    "dotted": "dotted", "spotted": "dotted", "dots": "dotted",
    "checkered": "checkered",
}
_PLURAL_TO_SHAPE = {p: s for s, p in vocab.SHAPE_PLURALS.items()}
_RELATIONS = (("to the left of", "left"), ("to the right of", "right"), ("left of", "left"),
              ("right of", "right"), ("above", "above"), ("below", "below"))


@dataclass
class ParsedObject:
    shape: str | None = None
    colour: str | None = None
    size: str | None = None
    texture: str | None = None
    row: int | None = None
    col: int | None = None


@dataclass
class ParsedCaption:
    objects: list[ParsedObject] = field(default_factory=list)
    background: str | None = None
    count: int | None = None
    shape_counts: dict[str, int] = field(default_factory=dict)
    # (colour, shape, relation, colour, shape): "the red star is left of the blue circle"
    relations: list[tuple[str, str, str, str, str]] = field(default_factory=list)


def normalise(text: str) -> str:
    text = text.lower()
    text = re.sub(r"([.,:;!?])", r" \1 ", text)
    return re.sub(r"\s+", " ", text).strip()


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"[.;!?]", normalise(text)) if s.strip()]


def _words(sentence: str) -> list[str]:
    return [w for w in sentence.replace(",", " ").split() if w]


def _texture(sentence: str) -> str | None:
    # Multi-word phrases first so "no pattern" beats nothing and "a checkered pattern" works.
    for phrase, texture in sorted(_TEXTURE_WORDS.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{phrase}\b", sentence):
            return texture
    return None


def _position(words: list[str]) -> tuple[int | None, int | None]:
    row = next((vocab.ROWS.index(w) for w in words if w in vocab.ROWS), None)
    col = next((vocab.COLUMNS.index(w) for w in words if w in vocab.COLUMNS), None)
    if row is None and col is None:
        return None, None
    # "on the left" is the middle row, "at the top" the centre column.
    return (1 if row is None else row), (1 if col is None else col)


def _object(sentence: str) -> ParsedObject | None:
    words = _words(sentence)
    shape = next((w for w in words if w in vocab.SHAPES), None)
    if shape is None:
        return None
    row, col = _position(words)
    return ParsedObject(
        shape=shape,
        colour=next((w for w in words if w in vocab.COLOURS), None),
        size=next((w for w in words if w in vocab.SIZES), None),
        texture=_texture(sentence),
        row=row,
        col=col,
    )


def _relation(sentence: str) -> tuple[str, str, str, str, str] | None:
    for phrase, rel in _RELATIONS:
        if f" {phrase} " in f" {sentence} ":
            left, right = sentence.split(phrase, 1)
            a, b = _words(left), _words(right)
            ca = next((w for w in a if w in vocab.COLOURS), None)
            sa = next((w for w in a if w in vocab.SHAPES), None)
            cb = next((w for w in b if w in vocab.COLOURS), None)
            sb = next((w for w in b if w in vocab.SHAPES), None)
            if sa and sb:
                return (ca, sa, rel, cb, sb)
    return None


def parse_descriptive(text: str) -> ParsedCaption:
    out = ParsedCaption()
    for sentence in _sentences(text):
        words = _words(sentence)
        if "background" in words:
            out.background = next((w for w in words if w in vocab.BACKGROUNDS), None)
            number = next((w for w in words if w in vocab.NUMBER_WORDS), None)
            if number is not None:
                out.count = vocab.NUMBER_WORDS.index(number)
            continue
        relation = _relation(sentence)
        if relation is not None:
            out.relations.append(relation)
            continue
        plural = next((w for w in words if w in _PLURAL_TO_SHAPE), None)
        number = next((w for w in words if w in vocab.NUMBER_WORDS), None)
        if plural and number and not any(w in vocab.SHAPES for w in words):
            out.shape_counts[_PLURAL_TO_SHAPE[plural]] = vocab.NUMBER_WORDS.index(number)
            continue
        if plural and number is not None and out.count is None:
            out.count = vocab.NUMBER_WORDS.index(number)
        obj = _object(sentence)
        if obj is not None:
            out.objects.append(obj)
    return out


def parse_mentions(text: str) -> list[ParsedObject]:
    """Every shape mention with the attribute words just before it: for short captions and
    free-form prompts ("a red star and a blue circle")."""
    mentions = []
    pending = ParsedObject()
    for word in _words(normalise(text).replace(".", " ")):
        if word in vocab.COLOURS:
            pending.colour = word
        elif word in vocab.SIZES:
            pending.size = word
        elif word in _TEXTURE_WORDS:
            pending.texture = _TEXTURE_WORDS[word]
        elif word in vocab.SHAPES:
            pending.shape = word
            mentions.append(pending)
            pending = ParsedObject()
        elif word in ("and", "with"):
            continue
    return mentions
