import json

from training.data.__main__ import main
from training.recaption.manifest import read_manifest


def test_quick_pipeline_runs_every_stage(tmp_path):
    out = tmp_path / "bundle"
    metrics = main(["--quick", "--out", str(out), "--work", str(tmp_path / "work")])
    manifest = json.loads((out / "model.json").read_text())
    assert manifest["id"] == "limner-mini" and manifest["tokenizer"] == "tokenizer.json"
    assert [b["name"] for b in manifest["buckets"]] == ["square", "landscape", "portrait"]
    for name, kind in (("captioner_image_encoder", "captioner-image-encoder"),
                       ("captioner_text_decoder", "captioner-text-decoder"),
                       ("captioner_text_tower", "captioner-text-tower")):
        assert manifest["components"][name]["kind"] == kind
        assert (out / manifest["components"][name]["file"]).stat().st_size > 0
    assert manifest["components"]["judge"]["kind"] == "judge"
    assert (out / "MODEL_CARD.md").exists() and (out / "tokenizer.json").exists()
    rows = read_manifest(tmp_path / "work" / "manifest.jsonl")
    assert len(rows) == 16 and {"alt_text", "short_caption", "descriptive_caption"} <= set(rows[0])
    assert (tmp_path / "work" / "blend_descriptive_0.95.jsonl").exists()
    assert metrics["onnx_eval"]["onnx"]["images"] == 6
    assert metrics["bundle_bytes"] < 15e6
