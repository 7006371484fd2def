import json
from collections import Counter

import numpy as np
from PIL import Image

from training.image import suite
from training.world import vocab
from training.world.parser import parse_descriptive
from training.world.scene import STREAMS, sample_scene

PER_CATEGORY = 9
SUITE = suite.build_suite(0, PER_CATEGORY)
FIELDS = {"id", "category", "bucket", "seed", "short", "descriptive", "expected_short", "expected_descriptive", "scene"}
HOLDS = {
    "left": lambda a, b: a.col < b.col,
    "right": lambda a, b: a.col > b.col,
    "above": lambda a, b: a.row < b.row,
    "below": lambda a, b: a.row > b.row,
}


def _scene(item):
    address = item["scene"]
    return sample_scene(address["seed"], STREAMS[address["stream"]], address["index"], item["bucket"])


def _find(scene, ref):
    return next(o for o in scene.objects if (o.colour, o.shape) == (ref["colour"], ref["shape"]))


def test_items_have_the_fields_and_cover_categories_and_buckets():
    items = SUITE["items"]
    assert all(set(item) == FIELDS for item in items)
    assert len({item["id"] for item in items}) == len(items)
    assert Counter(item["category"] for item in items) == {c: PER_CATEGORY for c in suite.CATEGORIES}
    for category in suite.CATEGORIES:
        mine = [item for item in items if item["category"] == category]
        assert [item["bucket"] for item in mine[:3]] == list(vocab.BUCKETS)
        assert all(0 <= item["seed"] < 2**32 for item in mine)
    assert json.loads(json.dumps(SUITE)) == SUITE


def test_categories_have_their_object_counts_and_no_shared_scenes():
    items = SUITE["items"]
    for item in items:
        n = len(_scene(item).objects)
        if item["category"] == "counting":
            assert n in (2, 3, 4)
        else:
            assert n == 2
    counting = {(i["bucket"], len(_scene(i).objects)) for i in items if i["category"] == "counting"}
    assert counting == {(b, n) for b in vocab.BUCKETS for n in (2, 3, 4)}
    assert len({i["scene"]["index"] for i in items}) == len(items)


def test_descriptive_expectation_is_the_scene():
    for item in SUITE["items"]:
        scene, expected = _scene(item), item["expected_descriptive"]
        got = sorted((o["shape"], o["colour"], o["texture"], o["size"], o["row"], o["column"]) for o in expected["objects"])
        want = sorted((o.shape, o.colour, o.texture, o.size, o.row, o.col) for o in scene.objects)
        assert got == want
        assert expected["background"] == scene.background
        assert expected["count"] == len(scene.objects)
        for shape, k in expected["shapeCounts"].items():
            assert k > 1 and sum(o.shape == shape for o in scene.objects) == k
        for r in expected["relations"]:
            assert HOLDS[r["relation"]](_find(scene, r["a"]), _find(scene, r["b"]))
        # The relations found from the graph are exactly the ones the caption states.
        parsed = parse_descriptive(item["descriptive"]).relations
        assert sorted(parsed) == sorted(
            (r["a"]["colour"], r["a"]["shape"], r["relation"], r["b"]["colour"], r["b"]["shape"]) for r in expected["relations"]
        )
        assert item["descriptive"] == item["descriptive"].lower()


def test_short_expectation_is_what_the_short_prompt_names():
    for item in SUITE["items"]:
        scene, expected, text = _scene(item), item["expected_short"], f" {item['short']} "
        category = item["category"]
        style = suite.STYLE[category]
        assert len(expected["objects"]) == len(scene.objects)
        for o in expected["objects"]:
            assert o["shape"] in text or vocab.SHAPE_PLURALS[o["shape"]] in text
            if style == "count":
                assert ("colour" in o) == any(f" {c} " in text for c in vocab.COLOURS)
            else:
                assert ("colour" in o) == (style != "texture")
            assert ("texture" in o) == (style == "texture")
            assert all(f" {o[k]} " in text for k in ("colour",) if k in o)
            match = [s for s in scene.objects if s.shape == o["shape"] and o.get("colour", s.colour) == s.colour and o.get("texture", s.texture) == s.texture]
            assert match, (o, item["short"])
        if category == "counting":
            assert expected["count"] == len(scene.objects)
            assert expected["shapeCounts"] == dict(Counter(o.shape for o in scene.objects))
        else:
            assert "count" not in expected and expected["shapeCounts"] == {}
        if category == "spatial":
            (r,) = expected["relations"]
            assert HOLDS[r["relation"]](_find(scene, r["a"]), _find(scene, r["b"]))
            assert item["expected_descriptive"]["relations"]
        else:
            assert expected["relations"] == []


def test_deterministic_for_a_seed():
    assert suite.build_suite(0, PER_CATEGORY) == SUITE
    other = suite.build_suite(1, PER_CATEGORY)
    assert [i["short"] for i in other["items"]] != [i["short"] for i in SUITE["items"]]
    assert suite.build_suite(0, 2)["items"][:2] == SUITE["items"][:2]


def test_cli_writes_suite_and_ground_truth_images(tmp_path):
    suite.main(["--seed", "0", "--per-category", "2", "--out", str(tmp_path / "s.json"), "--gt-images", "4", "--gt-dir", str(tmp_path / "gt")])
    written = json.loads((tmp_path / "s.json").read_text())
    assert len(written["items"]) == 2 * len(suite.CATEGORIES)
    pngs = sorted((tmp_path / "gt").glob("*.png"))
    assert len(pngs) == 4
    for png in pngs:
        image = np.asarray(Image.open(png))
        bucket = png.stem.split("-")[-1]
        w, h = vocab.BUCKETS[bucket]
        assert image.shape == (h, w, 3)
