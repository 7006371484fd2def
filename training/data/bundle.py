"""Writes the limner-mini bundle: ONNX files, tokenizer.json and the shared model.json."""

import json
from pathlib import Path

from ..captioner.decode import number_ids
from ..captioner.export import component_entries, export_captioner
from ..captioner.model import Captioner
from ..captioner.tokenizer import SPECIALS, Tokenizer
from ..judge import read as judge_read
from ..world import vocab

VERSION = "0.1.0"


def judge_entry(accuracy: dict | None) -> dict:
    return {
        "kind": "judge",
        "type": "classical",
        # No "file": the judge has no weights (the runtime's schema takes a string or nothing).
        "implementation": "training/judge (python: read.py reads a scene graph, score.py scores prompts)",
        "method": [line.strip() for line in judge_read.__doc__.strip().splitlines()[2:] if line.strip()],
        "palette": {"colours": vocab.COLOURS, "backgrounds": vocab.BACKGROUNDS,
                    "dark_ink": vocab.DARK_INK, "light_ink": vocab.LIGHT_INK},
        "shape_prototypes": judge_read.SHAPE_PROTOTYPES,
        "scores": ["colour_binding", "shape_binding", "texture_binding", "counting", "spatial"],
        "accuracy_on_ground_truth": accuracy,
    }


def write_bundle(model: Captioner, tok: Tokenizer, out: Path, judge_accuracy: dict | None, training: dict) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    export_captioner(model, out / "captioner")
    tok.save(out / "tokenizer.json")
    special_ids = {t: tok.id(t) for t in SPECIALS}
    # The image pipeline (training.image) adds generation entries to the same file: keep them.
    path = out / "model.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    manifest = {**previous,
        "id": "limner-mini",
        "version": previous.get("version", VERSION),
        "description": previous.get("description", "limner-mini trained on the procedural shapes world: "
                                    "CoCa-style captioner (short + descriptive modes, contrastive towers) "
                                    "and a classical judge."),
        "tokenizer": "tokenizer.json",
        "buckets": [{"name": n, "width": w, "height": h} for n, (w, h) in vocab.BUCKETS.items()],
        "components": {**previous.get("components", {}), **component_entries(model, tok.size, special_ids, number_ids(tok)),
                       "judge": judge_entry(judge_accuracy)},
        "training": training,
    }
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


BUNDLE_FILES = ("model.json", "tokenizer.json", "MODEL_CARD.md", "captioner", "image")


def bundle_bytes(out: Path, names: tuple[str, ...] = BUNDLE_FILES) -> int:
    """Size of what is committed (the bundle files, or those of `names`), not a --quick run's work dir."""
    total = 0
    for name in names:
        path = out / name
        files = path.rglob("*") if path.is_dir() else [path]
        total += sum(p.stat().st_size for p in files if p.is_file())
    return total
