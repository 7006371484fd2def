"""Caption quality against ground truth: per-attribute accuracy and hallucination rate.

Descriptive mode: the caption is parsed into objects, which are matched one-to-one to the
ground-truth objects (best total agreement, brute force: at most 4 objects). Accuracy of an
attribute = matched objects with that attribute right / all ground-truth objects (an
unmentioned object is wrong on every attribute). "Correct" = colour, shape and texture all
right. A hallucinated object = a parsed object with no match, or whose colour+shape
differs from its match; rate = hallucinated / parsed objects.

Short mode: mentions ("a red star and a blue circle") against the main subjects (the one or
two largest objects); colour/shape accuracy over main subjects; hallucination = mentions
whose colour+shape is not in the scene at all.
"""

from itertools import permutations

from ..world import texts
from ..world.parser import ParsedObject, parse_descriptive, parse_mentions
from ..world.scene import Scene, SceneObject

DESCRIPTIVE_ATTRIBUTES = ("colour", "shape", "texture", "size", "position")


def _agreement(p: ParsedObject, g: SceneObject) -> float:
    return (3 * (p.shape == g.shape) + 3 * (p.colour == g.colour) + 2 * (p.texture == g.texture)
            + (p.size == g.size) + 2 * ((p.row, p.col) == (g.row, g.col)))


def match(parsed: list[ParsedObject], truth: list[SceneObject]) -> list[tuple[int, int]]:
    """Best one-to-one (parsed index, truth index) pairs."""
    best, best_score = [], -1.0
    small, large = (parsed, truth) if len(parsed) <= len(truth) else (truth, parsed)
    for perm in permutations(range(len(large)), len(small)):
        pairs = list(zip(range(len(small)), perm))
        if small is not parsed:
            pairs = [(b, a) for a, b in pairs]
        score = sum(_agreement(parsed[p], truth[g]) for p, g in pairs)
        if score > best_score:
            best, best_score = pairs, score
    return best


class CaptionScores:
    def __init__(self, mode: str):
        self.mode = mode
        self.hits = {a: 0 for a in DESCRIPTIVE_ATTRIBUTES}
        self.correct = self.truth = self.parsed = self.hallucinated = 0
        self.count_ok = self.images = 0

    def add(self, scene: Scene, caption: str) -> None:
        self.images += 1
        if self.mode == "short":
            truth = texts.main_subjects(scene)
            parsed = parse_mentions(caption)
            present = {(o.colour, o.shape) for o in scene.objects}
            self.hallucinated += sum((p.colour, p.shape) not in present for p in parsed)
        else:
            truth = list(scene.objects)
            result = parse_descriptive(caption)
            parsed = result.objects
            self.count_ok += result.count == len(truth)
        pairs = match(parsed, truth)
        matched = {p for p, _ in pairs}
        for p, g in pairs:
            got, want = parsed[p], truth[g]
            self.hits["colour"] += got.colour == want.colour
            self.hits["shape"] += got.shape == want.shape
            self.hits["texture"] += got.texture == want.texture
            self.hits["size"] += got.size == want.size
            self.hits["position"] += (got.row, got.col) == (want.row, want.col)
            ok = got.colour == want.colour and got.shape == want.shape
            self.correct += ok and (self.mode == "short" or got.texture == want.texture)
            if self.mode != "short":
                self.hallucinated += not ok
        if self.mode != "short":
            self.hallucinated += len(parsed) - len(matched)
        self.truth += len(truth)
        self.parsed += len(parsed)

    def summary(self) -> dict:
        attrs = ("colour", "shape") if self.mode == "short" else DESCRIPTIVE_ATTRIBUTES
        out = {f"{a}_accuracy": self.hits[a] / max(self.truth, 1) for a in attrs}
        key = "colour_shape_correct" if self.mode == "short" else "colour_shape_texture_correct"
        out[key] = self.correct / max(self.truth, 1)
        out["hallucination_rate"] = self.hallucinated / max(self.parsed, 1)
        if self.mode != "short":
            out["count_accuracy"] = self.count_ok / max(self.images, 1)
        out.update(images=self.images, truth_objects=self.truth, parsed_objects=self.parsed)
        return out
