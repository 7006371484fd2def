"""The held-out prompt suite for the image model card (T2I-CompBench-style categories).

Every item is one held-out scene with two prompts for it: a user-like short prompt
(`prompts.make_prompt`) and the world's ground-truth descriptive caption. Both come with the
facts they state, built from the scene graph and the prompt's structure (never by parsing
text), in the shape of the runtime judge's `ParsedPrompt` (src/judge/prompt-parser.ts), so
`gpu-runtime/eval/` scores each generated image against what its *user* asked for.

Categories (item k of a category uses bucket `BUCKETS[k % 3]`), each judged by one 0/1 check
per image (packages/contracts/src/eval/category-checks.ts):
  - colour     2 objects, "colour" prompt ("a red star and a blue circle"): every named colour
               sits on an object of its shape
  - shape      2 objects, "colour" prompt as well (separate scenes): every named shape is there
               (every short style names each object's shape; colour is one of the two
               commonest styles in prompts.PROMPT_MIX)
  - texture    2 objects, "texture" prompt ("a striped star and a dotted circle")
  - single     1 object, "colour" prompt ("a red star"): that shape in that colour
  - counting   "count" prompt ("two red stars and a blue circle", "three stars"); scenes of 2,
               3 and 4 objects in turn, each size at every bucket (the count style needs a
               repeated shape, so never 1 object): every stated count is right
  - spatial    2 objects (always in different cells), "spatial" prompt; only scenes whose
               descriptive caption also states a relation, so both variants are scored on one
  - background 2 objects, "background" prompt ("a red star and a blue circle on a black
               background"): the background read is the one named
  - size       2 objects, "size" prompt ("a large red star and a small blue circle"): every
               named size sits on an object of its shape
The binding categories (colour, shape, texture) are the card's targets and get more prompts
(`--binding-per-category`), so their intervals are narrower.

What a short prompt states: its objects (shape plus the colour/texture/size it names), the
background of a background prompt; a count prompt also states the number of objects and every
named shape's count (it enumerates all objects: "two red stars and a blue circle" = 3
objects, 2 stars, 1 circle); a spatial prompt its one relation. The descriptive caption states
background, number of objects, every object's shape, colour, texture, size and cell, the
"there are two stars" counts (shapes seen more than once) and its explicit relation sentences.

Scenes come from the "heldout" stream, category c scanning indices from (KEY[c] + 1) * 100 000,
so categories never share a scene, a category's scenes do not depend on the sizes of the
others, and the low indices (captioner metrics, VAE PSNR, --gt-images) stay untouched. Each
item's `seed` is its images' request seed; image j of it is image j of that seed (the runtime keys
each image's noise by seed and index).

    /usr/bin/python3 -m training.image.suite --seed 0 --per-category 100 --binding-per-category 200 \
        --images 2 --out suite.json --renders renders/
    /usr/bin/python3 -m training.image.suite --seed 0 --gt-images 64 --gt-dir gt/
"""

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

from ..world import vocab
from ..world.sample import make_sample
from ..world.scene import STREAMS, Scene, SceneObject, sample_scene
from .prompts import Prompt, make_prompt

CATEGORIES = ("colour", "shape", "texture", "single", "counting", "spatial", "background", "size")
BINDING = ("colour", "shape", "texture")
STYLE = {"colour": "colour", "shape": "colour", "texture": "texture", "single": "colour", "counting": "count",
         "spatial": "spatial", "background": "background", "size": "size"}
# A category's scene block and generation seeds hang on this key, never on its place in
# CATEGORIES, so adding a category leaves the others' items unchanged.
KEY = {"colour": 0, "shape": 1, "texture": 2, "counting": 3, "spatial": 4, "single": 5, "background": 6, "size": 7}
BUCKETS = tuple(vocab.BUCKETS)
HELDOUT = STREAMS["heldout"]
INDEX_BLOCK = 100_000
COUNTING_SIZES = (2, 3, 4)
MAX_IMAGES = 4  # the runtime's largest `n`
SUITE_VERSION = 2

# The descriptive captions' relation sentences (world/texts.py `_relation_sentences`).
_RELATION_SENTENCES = {
    "left": "the {a} is to the left of the {b} .",
    "right": "the {a} is to the right of the {b} .",
    "above": "the {a} is above the {b} .",
    "below": "the {a} is below the {b} .",
}


def _holds(relation: str, a: SceneObject, b: SceneObject) -> bool:
    return {"left": a.col < b.col, "right": a.col > b.col, "above": a.row < b.row, "below": a.row > b.row}[relation]


def _ref(o: SceneObject) -> dict:
    return {"colour": o.colour, "shape": o.shape}


def stated_relations(scene: Scene, caption: str) -> list[dict]:
    """The relations a descriptive caption states, as facts of the scene graph.

    Each relation true in the scene between two uniquely named objects is a candidate; the
    caption only decides which of them it says (whole-sentence match of the world's template).
    """
    names = [(o.colour, o.shape) for o in scene.objects]
    unique = [o for o in scene.objects if names.count((o.colour, o.shape)) == 1]
    padded = f" {caption} "
    out = []
    for a in unique:
        for b in unique:
            if a is b:
                continue
            for relation, template in _RELATION_SENTENCES.items():
                sentence = template.format(a=f"{a.colour} {a.shape}", b=f"{b.colour} {b.shape}")
                if _holds(relation, a, b) and f" {sentence} " in padded:
                    out.append({"a": _ref(a), "relation": relation, "b": _ref(b)})
    return out


def expected_short(prompt: Prompt) -> dict:
    """ParsedPrompt of what a short prompt states (see the module docstring)."""
    objects = []
    for o in prompt.objects:
        obj = {"shape": o.shape}
        for key in ("colour", "texture", "size"):
            if getattr(o, key) is not None:
                obj[key] = getattr(o, key)
        objects.append(obj)
    out: dict = {"objects": objects, "shapeCounts": {}, "relations": []}
    if prompt.background is not None:
        out["background"] = prompt.background
    if prompt.style == "count":
        out["count"] = len(prompt.objects)
        for o in prompt.objects:
            out["shapeCounts"][o.shape] = out["shapeCounts"].get(o.shape, 0) + 1
    if prompt.relation is not None:
        i, relation, j = prompt.relation
        a, b = prompt.objects[i], prompt.objects[j]
        out["relations"].append(
            {"a": {"colour": a.colour, "shape": a.shape}, "relation": relation, "b": {"colour": b.colour, "shape": b.shape}}
        )
    return out


def expected_descriptive(scene: Scene, caption: str) -> dict:
    """ParsedPrompt of what the world's descriptive caption of `scene` states."""
    counts = {s: sum(o.shape == s for o in scene.objects) for s in vocab.SHAPES}
    return {
        "objects": [
            {"shape": o.shape, "colour": o.colour, "texture": o.texture, "size": o.size, "row": o.row, "column": o.col}
            for o in scene.objects
        ],
        "background": scene.background,
        "count": len(scene.objects),
        "shapeCounts": {s: k for s, k in counts.items() if k > 1},
        "relations": stated_relations(scene, caption),
    }


def prompt_rng(seed: int, index: int) -> np.random.Generator:
    # Key 2: the world's own texts use keys none (scene) and 1 (captions) of this address.
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, HELDOUT, index, 2])))


def generation_seed(seed: int, category: str, k: int) -> int:
    ss = np.random.SeedSequence([seed, 7, KEY[category], k])
    # Kept below 2**32 - MAX_IMAGES, as when image j used seed + j, so the shipped suites stay valid.
    return int(ss.generate_state(1, np.uint32)[0]) % (2**32 - MAX_IMAGES)


def _accept(category: str, k: int, scene: Scene) -> bool:
    n = len(scene.objects)
    if category == "counting":
        # Sizes change every len(BUCKETS) items, so each size meets every bucket.
        return n == COUNTING_SIZES[(k // len(BUCKETS)) % len(COUNTING_SIZES)]
    return n == (1 if category == "single" else 2)


def _items(seed: int, category: str, count: int) -> list[dict]:
    items = []
    index = (KEY[category] + 1) * INDEX_BLOCK
    while len(items) < count:
        k = len(items)
        bucket = BUCKETS[k % len(BUCKETS)]
        scene = sample_scene(seed, HELDOUT, index, bucket)
        index += 1
        if not _accept(category, k, scene):
            continue
        prompt = make_prompt(scene, prompt_rng(seed, scene.index), STYLE[category])
        if prompt is None:
            continue
        descriptive = make_sample(seed, HELDOUT, scene.index, bucket).descriptive
        expected = expected_descriptive(scene, descriptive)
        if category == "spatial" and not expected["relations"]:
            continue
        items.append(
            {
                "id": f"{category}-{k:03d}",
                "category": category,
                "bucket": bucket,
                "seed": generation_seed(seed, category, k),
                "short": prompt.text,
                "descriptive": descriptive,
                "expected_short": expected_short(prompt),
                "expected_descriptive": expected,
                "scene": {"seed": seed, "stream": "heldout", "index": scene.index},
            }
        )
    return items


def suite_sizes(per_category: int, binding_per_category: int | None = None) -> dict[str, int]:
    binding = per_category if binding_per_category is None else binding_per_category
    return {c: binding if c in BINDING else per_category for c in CATEGORIES}


def build_suite(seed: int, per_category: int, binding_per_category: int | None = None, images: int = 2) -> dict:
    """`images` per prompt (different seeds); the binding categories get `binding_per_category` prompts."""
    if not 1 <= images <= MAX_IMAGES:
        raise ValueError(f"images per prompt must be 1..{MAX_IMAGES}, got {images}")
    sizes = suite_sizes(per_category, binding_per_category)
    return {
        "version": SUITE_VERSION,
        "seed": seed,
        "stream": "heldout",
        "images": images,
        "per_category": sizes,
        "categories": {c: {"style": STYLE[c]} for c in CATEGORIES},
        "items": [item for c in CATEGORIES for item in _items(seed, c, sizes[c])],
    }


def write_renders(suite: dict, out_dir: Path) -> int:
    """Each item's own scene, rendered at its bucket as `<id>.png`: what a perfect generator would
    draw, so the judge on these (and on their VAE round trips) bounds every generator's score."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for item in suite["items"]:
        address = item["scene"]
        sample = make_sample(address["seed"], STREAMS[address["stream"]], address["index"], item["bucket"])
        Image.fromarray(sample.image).save(out_dir / f"{item['id']}.png")
    return len(suite["items"])


def write_gt_images(seed: int, count: int, out_dir: Path) -> list[Path]:
    """Held-out renders 0..count-1 (their own mixed buckets), as the VAE's PSNR uses."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        sample = make_sample(seed, HELDOUT, i)
        path = out_dir / f"heldout-{seed}-{i:05d}-{sample.scene.bucket}.png"
        Image.fromarray(sample.image).save(path)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-category", type=int, default=100)
    parser.add_argument("--binding-per-category", type=int, help="prompts for colour/shape/texture (default: --per-category)")
    parser.add_argument("--images", type=int, default=2, help="images per prompt: images 0, 1, ... of the item's seed")
    parser.add_argument("--out", type=Path, help="suite JSON to write")
    parser.add_argument("--renders", type=Path, help="also render each item's scene here as <id>.png (the judge's cap)")
    parser.add_argument("--gt-images", type=int, default=0, help="ground-truth PNGs for the decoder PSNR")
    parser.add_argument("--gt-dir", type=Path)
    args = parser.parse_args(argv)
    if args.out is None and args.gt_images == 0:
        parser.error("nothing to do: give --out and/or --gt-images N --gt-dir DIR")
    if args.gt_images and args.gt_dir is None:
        parser.error("--gt-images needs --gt-dir")
    if args.renders is not None and args.out is None:
        parser.error("--renders needs --out")
    if args.out is not None:
        suite = build_suite(args.seed, args.per_category, args.binding_per_category, args.images)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(suite, indent=1) + "\n")
        print(f"wrote {len(suite['items'])} items to {args.out}")
        if args.renders is not None:
            print(f"wrote {write_renders(suite, args.renders)} renders to {args.renders}")
    if args.gt_images:
        paths = write_gt_images(args.seed, args.gt_images, args.gt_dir)
        print(f"wrote {len(paths)} ground-truth images to {args.gt_dir}")


if __name__ == "__main__":
    main()
