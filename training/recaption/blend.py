"""Caption blends for image-model training (DALL-E 3 report, section 3.4: 95 % synthetic).

`--blend 0.95 --kind descriptive` gives each manifest row the descriptive synthetic
caption with probability 0.95 and its alt-text otherwise; `--kind short` blends short
synthetic captions the same way. Draws are seeded, so a blend is reproducible; the exact
synthetic fraction of a file is reported (and tested) against the requested ratio.

    /usr/bin/python3 -m training.recaption.blend --manifest M.jsonl --blend 0.95 --out B.jsonl
"""

import argparse
import json
from pathlib import Path

import numpy as np

from .manifest import read_manifest

KINDS = {"descriptive": "descriptive_caption", "short": "short_caption"}


def blend_rows(rows: list[dict], ratio: float, kind: str, seed: int) -> list[dict]:
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"blend ratio must be in [0, 1], got {ratio}")
    rng = np.random.default_rng([seed, int(round(ratio * 1e6)), list(KINDS).index(kind)])
    synthetic = rng.random(len(rows)) < ratio
    out = []
    for row, syn in zip(rows, synthetic):
        out.append({
            "seed": row["seed"], "stream": row["stream"], "index": row["index"], "bucket": row["bucket"],
            "caption": row[KINDS[kind]] if syn else row["alt_text"],
            "source": f"synthetic_{kind}" if syn else "alt_text",
        })
    return out


def write_blend(manifest: Path, ratio: float, kind: str, seed: int, out: Path) -> float:
    """Writes the blend; returns its realised synthetic fraction."""
    rows = blend_rows(read_manifest(manifest), ratio, kind, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return sum(r["source"] != "alt_text" for r in rows) / max(len(rows), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", type=Path, required=True)
    ap.add_argument("--blend", type=float, default=0.95, help="fraction of synthetic captions")
    ap.add_argument("--kind", choices=list(KINDS), default="descriptive")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    realised = write_blend(args.manifest, args.blend, args.kind, args.seed, args.out)
    print(f"wrote {args.out} ({realised:.3%} synthetic {args.kind})")


if __name__ == "__main__":
    main()
