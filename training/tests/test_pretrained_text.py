"""The captioner's text tower as the denoiser's pretrained, frozen text encoder
(training/image/pretrained_text.py): the tower's own token states, frozen through training,
recognised on reload, and exported to an ONNX text encoder that onnxruntime-node runs."""

import json
import subprocess

import numpy as np
import pytest
import torch

from training.captioner.model import Captioner
from training.image.dataset import LatentNorm, LatentSet
from training.image.denoiser import TextToLatent
from training.image.export import export_text_to_latent
from training.image.pretrained_text import CaptionerTextEncoder
from training.image.train_denoiser import DenoiserConfig, train_denoiser
from training.paths import ONNXRUNTIME_NODE

VOCAB = 60

RUN_TEXT_ENCODER = """
const ort = require(process.argv[2]);
(async () => {
  const session = await ort.InferenceSession.create(process.argv[3]);
  const ids = BigInt64Array.from(JSON.parse(process.argv[4]).map(BigInt));
  const out = await session.run({ input_ids: new ort.Tensor("int64", ids, [2, 100]) });
  console.log(JSON.stringify({ dims: out.last_hidden_state.dims, data: Array.from(out.last_hidden_state.data) }));
})();
"""


def tower_states(captioner: Captioner, ids: torch.Tensor) -> torch.Tensor:
    """The tower's token states just before it pools them, by its own forward's steps."""
    tower = captioner.tower
    keep = (ids != 0).float()
    x = tower.tok(ids) + tower.pos[: ids.shape[1]]
    for block in tower.blocks:
        x = block(x, ((1 - keep) * -1e4)[:, None, None, :])
    return tower.norm(x)


@pytest.fixture
def captioner_checkpoint(tmp_path, monkeypatch):
    torch.manual_seed(1)
    captioner = Captioner(VOCAB)
    path = tmp_path / "captioner.pt"
    torch.save({"model": captioner.state_dict()}, path)
    monkeypatch.setattr("training.image.train_denoiser.BUNDLE_CAPTIONER", path)
    return captioner, path


def padded_ids() -> torch.Tensor:
    ids = torch.zeros(2, 100, dtype=torch.long)
    ids[0, :7] = torch.tensor([1, 11, 12, 13, 14, 15, 2])
    ids[1, :4] = torch.tensor([1, 20, 21, 2])
    return ids


def test_it_gives_the_captioners_own_token_states(captioner_checkpoint):
    captioner, path = captioner_checkpoint
    encoder = CaptionerTextEncoder(VOCAB)
    encoder.load_captioner(path)
    with torch.no_grad():
        assert torch.allclose(encoder(padded_ids()), tower_states(captioner, padded_ids()), atol=1e-6)


def test_a_checkpoint_without_a_tower_is_refused(tmp_path):
    path = tmp_path / "not-a-captioner.pt"
    torch.save({"model": {"encoder.w": torch.zeros(1)}}, path)
    with pytest.raises(ValueError, match="no captioner text tower"):
        CaptionerTextEncoder(VOCAB).load_captioner(path)


def test_it_stays_frozen_while_the_image_network_trains_and_reloads_as_itself(captioner_checkpoint, tmp_path):
    captioner, _ = captioner_checkpoint
    latents = LatentSet({"square": torch.randn(8, 4, 16, 16)}, {"square": np.arange(8)})
    ids = torch.randint(3, VOCAB, (8, 100))
    cfg = DenoiserConfig(steps=3, batch_size=4, warmup=1, checkpoint_every=3, channels=(16, 16, 16),
                         objective="flow", text_encoder="captioner")
    empty = [1, 2] + [0] * 98
    run = train_denoiser(VOCAB, latents, ids, empty, LatentNorm.of(latents), cfg, 0, tmp_path / "d.pt",
                         log=lambda _: None)
    state = torch.load(tmp_path / "d.pt")["model"]
    for name, value in captioner.tower.state_dict().items():
        if not name.startswith("embed."):
            assert torch.equal(state[f"text.{name}"], value), name  # not one step moved it
    assert not torch.equal(state["unet.conv_out.weight"], torch.zeros_like(state["unet.conv_out.weight"]))
    reloaded = TextToLatent.from_state(VOCAB, run.model.state_dict())
    assert isinstance(reloaded.text, CaptionerTextEncoder)


def test_its_onnx_text_encoder_runs_in_onnxruntime_node_as_in_pytorch(captioner_checkpoint, tmp_path):
    _, path = captioner_checkpoint
    model = TextToLatent(VOCAB, (16, 16, 16), text_encoder="captioner").eval()
    model.text.load_captioner(path)
    export_text_to_latent(model, tmp_path, {"[PAD]": 0, "[BOS]": 1, "[EOS]": 2}, "flow")
    script = tmp_path / "run_text_encoder.cjs"
    script.write_text(RUN_TEXT_ENCODER)
    ids = padded_ids()
    run = subprocess.run(["node", str(script), str(ONNXRUNTIME_NODE), str(tmp_path / "image" / "text_encoder.onnx"),
                          json.dumps(ids.flatten().tolist())], capture_output=True, text=True, check=True)
    got = json.loads(run.stdout)
    with torch.no_grad():
        want = model.text(ids)
    assert got["dims"] == [2, 100, 128]
    assert torch.allclose(torch.tensor(got["data"]).reshape(want.shape), want, atol=1e-4)
