import json

import pytest

from training.recaption.blend import blend_rows, write_blend


def _rows(n):
    return [{"seed": 0, "stream": 1, "index": i, "bucket": "square", "alt_text": f"alt {i}",
             "short_caption": f"short {i}", "descriptive_caption": f"desc {i}"} for i in range(n)]


@pytest.mark.parametrize("ratio", [0.0, 0.5, 0.8, 0.95, 1.0])
def test_blend_ratio_is_respected(ratio):
    rows = blend_rows(_rows(20000), ratio, "descriptive", seed=0)
    synthetic = sum(r["source"] == "synthetic_descriptive" for r in rows) / len(rows)
    assert abs(synthetic - ratio) < 0.01
    for r in rows:
        i = r["index"]
        assert r["caption"] == (f"desc {i}" if r["source"] == "synthetic_descriptive" else f"alt {i}")


def test_short_blend_and_determinism(tmp_path):
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in _rows(2000)))
    a = write_blend(manifest, 0.95, "short", 1, tmp_path / "a.jsonl")
    b = write_blend(manifest, 0.95, "short", 1, tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_text() == (tmp_path / "b.jsonl").read_text()
    assert a == b and abs(a - 0.95) < 0.02
    rows = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert {r["source"] for r in rows} == {"synthetic_short", "alt_text"}


def test_blend_rejects_bad_ratio():
    with pytest.raises(ValueError):
        blend_rows(_rows(3), 1.5, "descriptive", 0)
