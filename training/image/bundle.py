"""Adds the image model to the limner-mini bundle's model.json.

The data loop (training.data) writes the captioner and judge entries; this writes the
generation components and the `generation` section next to them. Each pipeline replaces
only its own entries, so either can be re-run without losing the other's.
"""

import json
from pathlib import Path

from ..captioner.tokenizer import Tokenizer
from ..world import vocab
from .noise_schedule import scheduler_config

VERSION = "0.4.0"
DESCRIPTION = (
    "limner-mini trained on the procedural shapes world: latent diffusion text-to-image (VAE, text "
    "encoder, 3-stage U-Net), a 2-step consistency-distilled decoder, a learned prompt upsampler, "
    "a CoCa-style captioner (short + descriptive modes, contrastive towers) and a classical judge."
)
# Sampling defaults the evaluation measured (see the model card). The VAE decoder is the default:
# on ground-truth latents it beat the 2-step consistency decoder on PSNR at half the network
# evaluations (and ~5x less time on CPU); `decoder: "consistency"` stays selectable per request.
DEFAULTS = {"steps": 20, "guidance_scale": 5.0, "scheduler": "euler", "decoder": "vae"}


def merge_manifest(out: Path, tok: Tokenizer, components: dict, training: dict, objective: str,
                   defaults: dict | None = None) -> dict:
    path = out / "model.json"
    manifest = json.loads(path.read_text()) if path.exists() else {
        "id": "limner-mini",
        "tokenizer": "tokenizer.json",
        "buckets": [{"name": n, "width": w, "height": h} for n, (w, h) in vocab.BUCKETS.items()],
        "components": {},
    }
    manifest["version"] = VERSION
    manifest["description"] = DESCRIPTION
    manifest["components"].update(components)
    manifest["generation"] = {"scheduler_config": scheduler_config(objective), "defaults": defaults or DEFAULTS}
    manifest["image_training"] = training
    out.mkdir(parents=True, exist_ok=True)
    tok.save(out / "tokenizer.json")
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
