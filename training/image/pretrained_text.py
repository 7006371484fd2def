"""A pretrained text encoder for the denoiser: the captioner's contrastive text tower.

Imagen found the text encoder's quality mattered more than the denoiser's size, and SD/DALL-E 3
condition on text encoders pretrained on image-text pairs. limner-mini's own pretrained pair
model is the captioner (CoCa-style): its text tower was trained contrastively against images
of the shapes world, so its token states already tell a star from a circle in a way the
images bear out. The denoiser's own 2-layer encoder, trained from scratch with the U-Net, must
learn that from the denoising loss alone.

This module is the tower without its pooled projection: token states (after the final norm),
the same width as the denoiser's own encoder (`TEXT_WIDTH`), so the image network and the ONNX
contract (`input_ids -> last_hidden_state`) are unchanged. It is loaded from the bundle's
captioner (training.captioner.from_bundle) and kept frozen, as Imagen keeps T5.
"""

from pathlib import Path

import torch
from torch import nn

from ..captioner.model import TextTower

TOWER_PREFIX = "tower."


class CaptionerTextEncoder(nn.Module):
    def __init__(self, vocab_size: int, pad_id: int = 0):
        super().__init__()
        tower = TextTower(vocab_size)  # the Captioner's own tower settings
        self.pad_id = pad_id
        self.tok, self.pos, self.blocks, self.norm = tower.tok, tower.pos, tower.blocks, tower.norm

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        keep = (input_ids != self.pad_id).float()
        x = self.tok(input_ids) + self.pos[: input_ids.shape[1]]
        bias = ((1 - keep) * -1e4)[:, None, None, :]  # [PAD] keys are invisible, as in training
        for block in self.blocks:
            x = block(x, bias)
        return self.norm(x)

    def load_captioner(self, checkpoint: Path) -> None:
        """The tower's weights from a captioner checkpoint (its pooled projection left out)."""
        state = torch.load(checkpoint, map_location="cpu")
        state = state.get("model", state)
        own = set(self.state_dict())
        tower = {k[len(TOWER_PREFIX):]: v for k, v in state.items()
                 if k.startswith(TOWER_PREFIX) and k[len(TOWER_PREFIX):] in own}
        missing = own - set(tower)
        if missing:
            raise ValueError(f"{checkpoint.name} has no captioner text tower ({sorted(missing)[:3]} missing)")
        self.load_state_dict(tower)
