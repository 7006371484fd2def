"""Score captions produced by the ONNX models (gpu-runtime/eval/caption-eval.ts) against ground truth."""

import json
from pathlib import Path

from ..world.scene import Scene, SceneObject
from .metrics import CaptionScores


def scene_from_json(data: dict) -> Scene:
    objects = tuple(
        SceneObject(o["shape"], o["colour"], o["size"], o["texture"], o["row"], o["col"]) for o in data["objects"]
    )
    return Scene(data["seed"], data["stream"], data["index"], data["bucket"], data["background"], objects,
                 tuple(tuple(j) for j in data["jitter"]))


def score_results(data_dir: Path, results_path: Path) -> dict:
    index = {e["id"]: e for e in json.loads((data_dir / "index.json").read_text())}
    results = json.loads(results_path.read_text())
    out = {"onnx": results["summary"]}
    for mode in ("short", "descriptive"):
        scores = CaptionScores(mode)
        for r in results["results"]:
            if mode in r:
                scores.add(scene_from_json(index[r["id"]]["scene"]), r[mode])
        if scores.images:
            out[mode] = scores.summary()
    return out
