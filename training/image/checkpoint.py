"""Checkpoint writes that a kill cannot leave half-done: write beside, then rename."""

import os
from pathlib import Path

import torch


def save_atomic(state: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
