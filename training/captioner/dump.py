"""Dump preprocessed captioner inputs for ONNX callers (the Node eval script, TS tests).

Writes <out>/index.json (one entry per image: id, bucket, width, height, file, scene graph,
ground-truth texts) and <out>/<id>.f32: the image as raw little-endian float32 NCHW
(1, 3, H, W), RGB / 255 -- exactly the encoder's documented input.

    /usr/bin/python3 -m training.captioner.dump --split fresh --count 5 --max-objects 2 --out DIR
"""

import argparse
import json
from pathlib import Path

import numpy as np

from ..world.sample import make_sample
from ..world.scene import STREAMS


def dump(seed: int, split: str, count: int, out: Path, max_objects: int = 4, start: int = 0) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    index = start
    while len(entries) < count:
        sample = make_sample(seed, STREAMS[split], index)
        index += 1
        if len(sample.scene.objects) > max_objects:
            continue
        image_id = f"{split}-{seed}-{sample.scene.index}"
        pixels = (sample.image.astype(np.float32) / 255.0).transpose(2, 0, 1)[None]
        pixels.astype("<f4").tofile(out / f"{image_id}.f32")
        height, width = sample.image.shape[:2]
        entries.append({
            "id": image_id, "bucket": sample.scene.bucket, "width": width, "height": height,
            "file": f"{image_id}.f32", "scene": sample.scene.to_json(),
            "short": sample.short, "descriptive": sample.descriptive,
        })
    (out / "index.json").write_text(json.dumps(entries, indent=1) + "\n")
    return entries


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--split", choices=list(STREAMS), default="fresh")
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--max-objects", type=int, default=4)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    entries = dump(args.seed, args.split, args.count, args.out, args.max_objects, args.start)
    print(json.dumps({"out": str(args.out), "images": len(entries)}))


if __name__ == "__main__":
    main()
