"""User-like short prompts for a scene: what people type before caption upsampling.

The DALL-E 3 report (section 3.1 and appendix C) has GPT-4 rewrite terse user prompts into the
descriptive-caption style the image model was trained on. These are the terse prompts. Every
style names *all* objects of the scene, so an upsampler trained on (prompt, descriptive
caption of the same scene) pairs learns to keep what the user said and to invent only what
they left out (size, position, background, unmentioned colour or texture), never to add or
drop objects.

Styles (texts lower case, punctuation as separate words, like every text of the world):
  - colour   "a red star , a blue circle and a green square"
  - texture  "a striped star and a dotted circle"
  - full     "a red striped star and a blue dotted circle"
  - size     "a large red star and a small blue circle"
  - background  "a red star and a blue circle on a black background"
  - count    identical colour+shape grouped ("two red stars and a blue circle"), or, when all
             objects share a shape, counted by shape alone ("three stars"); one applicable form
             is drawn. Only for scenes with a repeated colour+shape or 2+ objects of one shape
             (about 7 % of scenes).
  - spatial  "a red star to the left of a blue circle", the other objects listed alongside
             ("... , a green square and a yellow heart"); one relation that is true in the
             scene, between two objects whose colour+shape name is unique (so "a red star"
             picks out one object). Only for scenes with two such objects.
A style that does not apply to a scene gives None.

Object order: random (a count prompt keeps each group together, a spatial prompt puts its pair
first), or exactly `order` (scene-object indices) when given, in which case a count grouping
that is not a run of `order` does not apply and a spatial prompt relates the first neighbouring
pair of uniquely named objects ("a green square , a red star to the left of a blue circle").
The upsampler's training pairs give the order in which the target caption describes the
objects, so the model learns a monotone alignment (k-th object named -> k-th object sentence)
and keeps the user's order.

`random_short_prompt` mix (renormalised over the styles that apply to the scene): count 50 %,
colour 20 %, full 20 %, spatial 20 %, texture 10 %. Count applies to few scenes and spatial to
none with one object, so the real shares are about colour 31 %, full 30 %, spatial 19 %,
texture 16 %, count 3 % (count 2 % in the upsampler's training pairs, where a group must also
be a run of the caption's order).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..world import vocab
from ..world.scene import Scene, SceneObject

PROMPT_STYLES = ("colour", "texture", "full", "size", "background", "count", "spatial")
# Count is weighted up because it applies to few scenes. Raising spatial to 35 % did not lift
# the upsampler's spatial fidelity at its default training budget, so it stays at 20 %.
PROMPT_MIX: dict[str, float] = {"colour": 0.20, "texture": 0.10, "full": 0.20, "size": 0.10, "background": 0.10,
                                 "count": 0.50, "spatial": 0.20}

# Texture adjectives a user might type; the same synonyms the descriptive captions use, so the
# parser reads them back to the canonical texture.
_TEXTURE_WORDS = {
    "plain": ("plain", "solid"),
    "striped": ("striped",),
    "dotted": ("dotted", "spotted"),
    "checkered": ("checkered",),
}
_RELATION_PHRASES = {"left": "to the left of", "right": "to the right of", "above": "above", "below": "below"}


@dataclass(frozen=True)
class PromptObject:
    """What a prompt says about one scene object; None = not mentioned."""

    shape: str | None
    colour: str | None
    texture: str | None
    size: str | None = None


@dataclass(frozen=True)
class Prompt:
    style: str
    text: str
    # One entry per scene object, in prompt order.
    objects: tuple[PromptObject, ...]
    # (i, relation, j): objects[i] is `relation` ("left", "right", "above", "below") of objects[j].
    relation: tuple[int, str, int] | None = None
    # The background the prompt states ("... on a black background"), if any.
    background: str | None = None


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _join(phrases: list[str]) -> str:
    """"a , b and c": the world's list style, commas as separate words."""
    if len(phrases) == 1:
        return phrases[0]
    return " , ".join(phrases[:-1]) + " and " + phrases[-1]


def _ordered(scene: Scene, rng: np.random.Generator, order: Sequence[int] | None) -> list[SceneObject]:
    if order is None:
        order = rng.permutation(len(scene.objects))
    if sorted(int(i) for i in order) != list(range(len(scene.objects))):
        raise ValueError(f"order {list(order)} is not a permutation of the scene's {len(scene.objects)} objects")
    return [scene.objects[int(i)] for i in order]


def _attribute_prompt(scene: Scene, rng: np.random.Generator, style: str, order: Sequence[int] | None) -> Prompt:
    objects = _ordered(scene, rng, order)
    phrases, said = [], []
    for o in objects:
        texture = _pick(rng, _TEXTURE_WORDS[o.texture])
        if style == "colour":
            phrases.append(f"a {o.colour} {o.shape}")
            said.append(PromptObject(o.shape, o.colour, None))
        elif style == "texture":
            phrases.append(f"a {texture} {o.shape}")
            said.append(PromptObject(o.shape, None, o.texture))
        elif style in ("size", "background"):
            sized = style == "size"
            phrases.append(f"a {o.size} {o.colour} {o.shape}" if sized else f"a {o.colour} {o.shape}")
            said.append(PromptObject(o.shape, o.colour, None, o.size if sized else None))
        else:
            phrases.append(f"a {o.colour} {texture} {o.shape}")
            said.append(PromptObject(o.shape, o.colour, o.texture))
    if style == "background":
        return Prompt(style, f"{_join(phrases)} on a {scene.background} background", tuple(said),
                      background=scene.background)
    return Prompt(style, _join(phrases), tuple(said))


def _grouped(objects: list[SceneObject], key) -> list[list[SceneObject]]:
    groups: dict = {}
    for o in objects:
        groups.setdefault(key(o), []).append(o)
    return list(groups.values())


def _count_prompt(scene: Scene, rng: np.random.Generator, order: Sequence[int] | None) -> Prompt | None:
    objects = _ordered(scene, rng, order)
    forms = []
    by_name = _grouped(objects, lambda o: (o.colour, o.shape))
    if any(len(group) > 1 for group in by_name):
        forms.append((by_name, True))
    if len(objects) > 1 and len({o.shape for o in objects}) == 1:
        forms.append(([objects], False))
    if order is not None:
        # The prompt must name the objects in `order`: a group has to be a run of it.
        forms = [(groups, named) for groups, named in forms if [o for g in groups for o in g] == objects]
    if not forms:
        return None
    groups, named = forms[int(rng.integers(len(forms)))]
    phrases, said = [], []
    for group in groups:
        shape, colour = group[0].shape, (group[0].colour if named else None)
        if len(group) == 1:
            phrases.append(f"a {colour} {shape}")
        else:
            words = [vocab.NUMBER_WORDS[len(group)]] + ([colour] if colour else []) + [vocab.SHAPE_PLURALS[shape]]
            phrases.append(" ".join(words))
        said += [PromptObject(shape, colour, None)] * len(group)
    return Prompt("count", _join(phrases), tuple(said))


def _relation(a: SceneObject, b: SceneObject, rng: np.random.Generator) -> str:
    """A relation of a to b that holds in the scene; cells are distinct, so one always does."""
    if a.col != b.col and (a.row == b.row or rng.random() < 0.5):
        return "left" if a.col < b.col else "right"
    return "above" if a.row < b.row else "below"


def _spatial_prompt(scene: Scene, rng: np.random.Generator, order: Sequence[int] | None) -> Prompt | None:
    objects = _ordered(scene, rng, order)
    names = [(o.colour, o.shape) for o in objects]
    unique = [names.count(name) == 1 for name in names]
    if order is None:
        # A random pair of uniquely named objects, moved to the front: "a X left of a Y , ...".
        candidates = [i for i, u in enumerate(unique) if u]
        if len(candidates) < 2:
            return None
        i, j = (candidates[int(k)] for k in rng.choice(len(candidates), size=2, replace=False))
        objects = [objects[i], objects[j]] + [o for k, o in enumerate(objects) if k not in (i, j)]
        k = 0
    else:
        # Keep `order`: relate the first neighbouring pair of uniquely named objects.
        k = next((k for k in range(len(objects) - 1) if unique[k] and unique[k + 1]), None)
        if k is None:
            return None
    a, b = objects[k], objects[k + 1]
    relation = _relation(a, b, rng)
    head = f"a {a.colour} {a.shape} {_RELATION_PHRASES[relation]} a {b.colour} {b.shape}"
    phrases = [f"a {o.colour} {o.shape}" for o in objects]
    text = _join(phrases[:k] + [head] + phrases[k + 2 :])
    said = tuple(PromptObject(o.shape, o.colour, None) for o in objects)
    return Prompt("spatial", text, said, (k, relation, k + 1))


def make_prompt(scene: Scene, rng: np.random.Generator, style: str,
                order: Sequence[int] | None = None) -> Prompt | None:
    """The prompt text together with what it says about each object (for fidelity checks)."""
    if style in ("colour", "texture", "full", "size", "background"):
        return _attribute_prompt(scene, rng, style, order)
    if style == "count":
        return _count_prompt(scene, rng, order)
    if style == "spatial":
        return _spatial_prompt(scene, rng, order)
    raise ValueError(f"unknown prompt style {style!r}; expected one of {PROMPT_STYLES}")


def short_prompt(scene: Scene, rng: np.random.Generator, style: str) -> str | None:
    prompt = make_prompt(scene, rng, style)
    return None if prompt is None else prompt.text


def random_prompt(scene: Scene, rng: np.random.Generator, order: Sequence[int] | None = None) -> Prompt:
    """A prompt of a style drawn from PROMPT_MIX, renormalised over the styles that apply."""
    candidates = {style: make_prompt(scene, rng, style, order) for style in PROMPT_STYLES}
    styles = [s for s in PROMPT_STYLES if candidates[s] is not None]
    weights = np.array([PROMPT_MIX[s] for s in styles])
    chosen = styles[int(rng.choice(len(styles), p=weights / weights.sum()))]
    return candidates[chosen]


def random_short_prompt(scene: Scene, rng: np.random.Generator) -> str:
    return random_prompt(scene, rng).text
