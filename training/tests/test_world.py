import time

import numpy as np

from training.world import vocab
from training.world.sample import iter_samples, make_sample
from training.world.scene import STREAMS


def test_same_address_same_bytes_and_texts():
    a, b = make_sample(7, STREAMS["labelled"], 123), make_sample(7, STREAMS["labelled"], 123)
    assert a.image.tobytes() == b.image.tobytes()
    assert (a.alt_text, a.short, a.descriptive) == (b.alt_text, b.short, b.descriptive)
    assert a.scene == b.scene


def test_streams_and_seeds_differ():
    base = make_sample(0, STREAMS["labelled"], 5)
    assert make_sample(1, STREAMS["labelled"], 5).scene != base.scene
    assert make_sample(0, STREAMS["heldout"], 5).scene != base.scene


def test_scene_rules_and_buckets():
    seen_buckets, seen_shapes, seen_textures = set(), set(), set()
    for s in iter_samples(0, "labelled", 0, 300):
        w, h = vocab.BUCKETS[s.scene.bucket]
        assert s.image.shape == (h, w, 3) and s.image.dtype == np.uint8
        cells = [(o.row, o.col) for o in s.scene.objects]
        assert 1 <= len(cells) <= 4 and len(set(cells)) == len(cells)
        seen_buckets.add(s.scene.bucket)
        seen_shapes |= {o.shape for o in s.scene.objects}
        seen_textures |= {o.texture for o in s.scene.objects}
    assert seen_buckets == set(vocab.BUCKETS)
    assert seen_shapes == set(vocab.SHAPES) and seen_textures == set(vocab.TEXTURES)


def test_generation_is_fast_enough_for_100k_in_minutes():
    start = time.time()
    for _ in iter_samples(0, "unlabelled", 0, 500):
        pass
    per_sample = (time.time() - start) / 500
    assert per_sample * 100_000 < 5 * 60


def test_palette_is_well_separated():
    cols = np.array(list(vocab.COLOURS.values()), dtype=float)
    bgs = np.array(list(vocab.BACKGROUNDS.values()), dtype=float)
    d = np.sqrt(((cols[:, None] - cols[None]) ** 2).sum(-1)) + np.eye(len(cols)) * 1e9
    assert d.min() >= 90
    assert np.sqrt(((cols[:, None] - bgs[None]) ** 2).sum(-1)).min() >= 90
