import json
import shutil
from collections import Counter

import numpy as np
from PIL import Image

from training.image import evaluate, suite
from training.model_card import read_sections
from training.paths import TINY_LIMNER
from training.world import vocab
from training.world.parser import parse_descriptive
from training.world.render import render as draw
from training.world.scene import STREAMS, sample_scene

PER_CATEGORY = 9
BINDING = 12
SUITE = suite.build_suite(0, PER_CATEGORY, BINDING)
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
    sizes = {c: BINDING if c in ("colour", "shape", "texture") else PER_CATEGORY for c in suite.CATEGORIES}
    assert Counter(item["category"] for item in items) == sizes == SUITE["per_category"]
    assert SUITE["images"] == 2
    for category in suite.CATEGORIES:
        mine = [item for item in items if item["category"] == category]
        assert [item["bucket"] for item in mine[:3]] == list(vocab.BUCKETS)
        # Image j of an item is generated with seed + j: room for the runtime's largest n.
        assert all(0 <= item["seed"] <= 2**32 - 1 - suite.MAX_IMAGES for item in mine)
    assert json.loads(json.dumps(SUITE)) == SUITE


def test_categories_have_their_object_counts_and_no_shared_scenes():
    items = SUITE["items"]
    for item in items:
        n = len(_scene(item).objects)
        if item["category"] == "counting":
            assert n in (2, 3, 4)
        else:
            assert n == (1 if item["category"] == "single" else 2)
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
            assert ("size" in o) == (style == "size")
            assert all(f" {o[k]} " in text for k in ("colour", "size") if k in o)
            match = [s for s in scene.objects if s.shape == o["shape"] and all(o.get(k, getattr(s, k)) == getattr(s, k)
                                                                              for k in ("colour", "texture", "size"))]
            assert match, (o, item["short"])
        if style == "background":
            assert expected["background"] == scene.background and text.endswith(f" on a {scene.background} background ")
        else:
            assert "background" not in expected
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
    assert suite.build_suite(0, PER_CATEGORY, BINDING) == SUITE
    other = suite.build_suite(1, PER_CATEGORY, BINDING)
    assert [i["short"] for i in other["items"]] != [i["short"] for i in SUITE["items"]]
    # A category's items do not depend on the sizes of the others.
    small = suite.build_suite(0, 2)["items"]
    for category in suite.CATEGORIES:
        assert [i for i in small if i["category"] == category] == [i for i in SUITE["items"] if i["category"] == category][:2]


def test_cli_writes_suite_renders_and_ground_truth_images(tmp_path):
    suite.main(["--seed", "0", "--per-category", "2", "--binding-per-category", "3", "--images", "3", "--out",
                str(tmp_path / "s.json"), "--renders", str(tmp_path / "renders"), "--gt-images", "4", "--gt-dir",
                str(tmp_path / "gt")])
    written = json.loads((tmp_path / "s.json").read_text())
    assert len(written["items"]) == 3 * 3 + 2 * (len(suite.CATEGORIES) - 3) and written["images"] == 3
    # Each item's own scene, at its bucket: what a perfect generator would draw.
    for item in written["items"]:
        render = np.asarray(Image.open(tmp_path / "renders" / f"{item['id']}.png"))
        w, h = vocab.BUCKETS[item["bucket"]]
        assert render.shape == (h, w, 3)
    first = written["items"][0]
    scene = _scene(first)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "renders" / f"{first['id']}.png")), draw(scene))
    pngs = sorted((tmp_path / "gt").glob("*.png"))
    assert len(pngs) == 4
    for png in pngs:
        image = np.asarray(Image.open(png))
        bucket = png.stem.split("-")[-1]
        w, h = vocab.BUCKETS[bucket]
        assert image.shape == (h, w, 3)


def test_quick_command_rewrites_the_cards_prompt_following_table(tmp_path):
    """`python3 -m training.image.evaluate --quick`, as CI runs it: suite, harness, card, in seconds."""
    bundle = tmp_path / "bundle"
    shutil.copytree(TINY_LIMNER, bundle)
    (bundle / "MODEL_CARD.md").write_text(
        "# limner-mini — model card\n\n<!-- section:image-model -->\n## Image model\n\nkept above\n\n"
        "### Prompt following, through the exported ONNX models\n\nstale\n\n### Targets\n\nkept below\n"
        "<!-- /section:image-model -->\n")
    results = evaluate.main(["--quick", "--seed", "0", "--bundle", str(bundle), "--work", str(tmp_path / "work"),
                             "--no-cap", "--threads", "1", "--providers", "cpu"])
    summary = results["suite"]["summary"]
    assert set(summary) == set(evaluate.ALL_VARIANTS.split(","))
    size = evaluate.SUITE_SIZES["quick"]
    for variant in summary.values():
        assert variant["prompts"] == size.prompts and variant["images"] == size.prompts * size.images
        for category in suite.CATEGORIES:
            est = variant["categories"][category]
            assert est["prompts"] == (size.binding_per_category if category in suite.BINDING else size.per_category)
            assert est["low"] <= est["mean"] <= est["high"]
    section = read_sections(bundle / "MODEL_CARD.md")["image-model"]
    assert "kept above" in section and "kept below" in section and "stale" not in section
    assert "`/usr/bin/python3 -m training.image.evaluate --seed 0 --quick --bundle" in section
    assert "| prompts | colour | shape | texture | one object | counting | spatial | background | size | mean |" in section
    assert "| short+upsample − short |" in section and "bootstrap over prompts" in section
