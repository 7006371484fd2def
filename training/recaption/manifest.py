"""Run the captioner over the unlabelled stream and write a JSONL manifest.

One line per image; images are not stored, they are re-rendered from their address
(world seed, stream, index) with `training.world.sample.make_sample`:
  {"seed", "stream", "index", "bucket", "alt_text", "alt_kind",
   "short_caption", "descriptive_caption", "clip_score"}
clip_score = 100 * max(cos(image embedding, text-tower embedding of the descriptive
caption), 0), CLIPScore-style (Hessel et al. 2021, without the 2.5 weight).
"""

import json
from pathlib import Path

import numpy as np

from ..captioner.decode import caption_images, text_embeddings
from ..captioner.model import Captioner
from ..captioner.tokenizer import Tokenizer
from ..world import texts
from ..world.sample import Sample, make_sample
from ..world.scene import STREAMS


def caption_rows(model: Captioner, tok: Tokenizer, samples: list[Sample], batch_size: int = 64) -> list[dict]:
    """One manifest row per sample (in the given order); batches are grouped by aspect bucket."""
    by_bucket: dict[str, list[int]] = {}
    for i, s in enumerate(samples):
        by_bucket.setdefault(s.scene.bucket, []).append(i)
    rows: dict[int, dict] = {}
    for bucket, indices in by_bucket.items():
        for start in range(0, len(indices), batch_size):
            chunk = indices[start : start + batch_size]
            images = [samples[i].image for i in chunk]
            short, _ = caption_images(model, tok, images, "short")
            desc, img_emb = caption_images(model, tok, images, "descriptive")
            txt_emb = text_embeddings(model, tok, desc)
            cos = (img_emb * txt_emb).sum(1)
            for i, sc, dc, c in zip(chunk, short, desc, cos):
                s = samples[i]
                rows[i] = {
                    "seed": s.scene.seed, "stream": s.scene.stream, "index": s.scene.index, "bucket": bucket,
                    "alt_text": texts.pretty(s.alt_text), "alt_kind": s.alt_kind,
                    "short_caption": texts.pretty(sc), "descriptive_caption": texts.pretty(dc),
                    "clip_score": round(100 * max(float(c), 0.0), 2),
                }
    return [rows[i] for i in range(len(samples))]


def write_manifest(model: Captioner, tok: Tokenizer, seed: int, count: int, path: Path,
                   batch_size: int = 64, log=print) -> int:
    stream = STREAMS["unlabelled"]
    rows: list[dict] = []
    for start in range(0, count, 1024):  # progress per thousand; batching is per bucket inside
        samples = [make_sample(seed, stream, i) for i in range(start, min(start + 1024, count))]
        rows += caption_rows(model, tok, samples, batch_size)
        log(f"  recaption: {len(rows)}/{count}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    return count


def read_manifest(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def mean_clip_score(path: Path) -> float:
    return float(np.mean([r["clip_score"] for r in read_manifest(path)]))
