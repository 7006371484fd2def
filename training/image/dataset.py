"""The image model's training set: recaptioned unlabelled images, their latents, caption blends.

1. `recaption`: the data loop's captioner writes short and descriptive synthetic captions
   for the first `count` images of the unlabelled stream (manifest.jsonl, kept and reused).
2. `encode_latents`: every manifest image is re-rendered from its address and encoded once
   with the frozen VAE (posterior means), grouped by aspect bucket: the denoiser never
   renders or runs the VAE encoder while it trains.
3. `blend_ids`: a caption blend (recaption.blend) framed and padded to token ids.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..captioner.model import Captioner
from ..captioner.tokenizer import BOS, EOS, PAD, Tokenizer
from ..recaption.blend import blend_rows
from ..recaption.manifest import read_manifest, write_manifest
from ..world.sample import make_sample
from .denoiser import TEXT_MAX_LENGTH
from .vae import Vae, to_tensor


def recaption(captioner_checkpoint: Path | None, tok: Tokenizer, seed: int, count: int, manifest: Path, log=print) -> list[dict]:
    if manifest.exists() and len(rows := read_manifest(manifest)) == count:
        log(f"  recaption: reusing {manifest} ({count} images)")
        return rows
    captioner = Captioner(tok.size)
    if captioner_checkpoint is not None:
        if not captioner_checkpoint.exists():
            raise FileNotFoundError(
                f"captioner checkpoint {captioner_checkpoint} not found: run the data loop first "
                f"(/usr/bin/python3 -m training.data --seed {seed})")
        captioner.load_state_dict(torch.load(captioner_checkpoint))
    else:
        log("  recaption: no captioner checkpoint (quick mode), captions come from random weights")
    write_manifest(captioner, tok, seed, count, manifest, batch_size=128, log=log)
    return read_manifest(manifest)


@dataclass
class LatentSet:
    """Latents per bucket; `rows[bucket][k]` is the manifest row of `latents[bucket][k]`."""

    latents: dict[str, torch.Tensor]
    rows: dict[str, np.ndarray]

    def save(self, path: Path) -> None:
        torch.save({"latents": self.latents, "rows": self.rows}, path)

    @classmethod
    def load(cls, path: Path) -> "LatentSet":
        data = torch.load(path)
        return cls(data["latents"], data["rows"])


@torch.no_grad()
def encode_latents(vae: Vae, rows: list[dict], path: Path, batch_size: int = 64, log=print,
                   device: str = "cpu") -> LatentSet:
    if path.exists():
        log(f"  latents: reusing {path}")
        return LatentSet.load(path)
    by_bucket: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_bucket.setdefault(row["bucket"], []).append(i)
    latents, done = {}, 0
    for bucket, indices in sorted(by_bucket.items()):
        chunks = []
        for start in range(0, len(indices), batch_size):
            chunk = [rows[i] for i in indices[start : start + batch_size]]
            images = [make_sample(r["seed"], r["stream"], r["index"]).image for r in chunk]
            chunks.append(vae.encode(to_tensor(images).to(device)).cpu())
            done += len(chunk)
            if done % (batch_size * 20) < batch_size:
                log(f"  latents: {done}/{len(rows)}")
        latents[bucket] = torch.cat(chunks)
    out = LatentSet(latents, {b: np.array(ix) for b, ix in by_bucket.items()})
    out.save(path)
    return out


NORM_FILE = "latent_norm.json"  # a run's LatentNorm, in its work dir


@dataclass
class LatentNorm:
    """Per-channel standardisation of the VAE latents the denoiser works in.

    One scalar scaling factor (Stable Diffusion's) left this VAE's channels at stds from 0.25
    to 1.7: at high noise the denoiser's errors swamped the narrow channels and samples decoded
    to coloured noise. The exported decoders undo this inside their graphs (export.py), so the
    manifest's `scaling_factor` is 1 and the runtime contract is unchanged.
    """

    mean: torch.Tensor  # [C]
    std: torch.Tensor  # [C]

    @classmethod
    def of(cls, data: "LatentSet") -> "LatentNorm":
        flat = torch.cat([z.float().transpose(0, 1).flatten(1) for z in data.latents.values()], dim=1)
        return cls(flat.mean(1), flat.std(1))

    def normalise(self, z: torch.Tensor) -> torch.Tensor:
        return (z - self.mean.reshape(1, -1, 1, 1)) / self.std.reshape(1, -1, 1, 1)

    def denormalise(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.std.reshape(1, -1, 1, 1) + self.mean.reshape(1, -1, 1, 1)

    def to_json(self) -> dict:
        return {"mean": [round(float(v), 6) for v in self.mean], "std": [round(float(v), 6) for v in self.std]}

    @classmethod
    def from_json(cls, stats: dict) -> "LatentNorm":
        return cls(torch.tensor(stats["mean"]), torch.tensor(stats["std"]))

    def record(self, work: Path) -> None:
        """Keeps this as the run's standardisation (NORM_FILE in its work dir)."""
        (work / NORM_FILE).write_text(json.dumps(self.to_json()))

    @classmethod
    def recorded(cls, work: Path) -> "LatentNorm | None":
        """The run's recorded standardisation; None for runs from before it was recorded."""
        path = work / NORM_FILE
        return cls.from_json(json.loads(path.read_text())) if path.exists() else None


def frame(tok: Tokenizer, text: str) -> list[int]:
    """[BOS] words [EOS] [PAD]..., words cut so the framing always fits (as the runtime does)."""
    words = tok.encode(text)[: TEXT_MAX_LENGTH - 2]
    ids = [tok.id(BOS), *words, tok.id(EOS)]
    return ids + [tok.id(PAD)] * (TEXT_MAX_LENGTH - len(ids))


def blend_ids(tok: Tokenizer, rows: list[dict], ratio: float, kind: str, seed: int) -> tuple[torch.Tensor, float]:
    """Token ids of one caption per manifest row for a blend, and its realised synthetic fraction."""
    blended = blend_rows(rows, ratio, kind, seed)
    ids = torch.tensor([frame(tok, r["caption"]) for r in blended], dtype=torch.long)
    synthetic = sum(r["source"] != "alt_text" for r in blended) / max(len(blended), 1)
    return ids, synthetic
