"""The denoiser's bf16 mixed precision on CPUs (DenoiserConfig.cpu_bf16)."""

from dataclasses import replace

import numpy as np
import onnx
import pytest
import torch
from torch import nn

from training.image import train_denoiser as td
from training.image.dataset import LatentNorm, LatentSet
from training.image.denoiser import GroupNorm32, TextToLatent
from training.image.train_denoiser import DenoiserConfig, train_denoiser

VOCAB = 40


def test_groupnorm32_is_groupnorm_in_float32_and_normalises_bf16_input_in_float32():
    torch.manual_seed(0)
    ours, reference = GroupNorm32(4, 16), nn.GroupNorm(4, 16)
    nn.init.normal_(ours.weight)
    reference.load_state_dict(ours.state_dict())  # the same parameter names: checkpoints load either way
    x = torch.randn(2, 16, 5, 5)
    assert torch.equal(ours(x), reference(x))
    out = ours(x.bfloat16())
    assert out.dtype == torch.float32
    assert torch.allclose(out, reference(x.bfloat16().float()), atol=1e-6)


def test_groupnorm32_exports_the_same_onnx_graph_as_groupnorm(tmp_path):
    def ops(module: nn.Module) -> list[str]:
        path = tmp_path / "norm.onnx"
        torch.onnx.export(module.eval(), (torch.randn(1, 16, 4, 4),), path, opset_version=17)
        return [node.op_type for node in onnx.load(path).graph.node]

    assert ops(GroupNorm32(4, 16)) == ops(nn.GroupNorm(4, 16))  # no extra Cast


def test_a_bf16_unet_predicts_what_the_float32_one_does_within_bf16_precision():
    torch.manual_seed(0)
    model = TextToLatent(VOCAB, (16, 32, 32)).eval()
    for p in model.parameters():  # conv_out starts at zero; give the output something to compare
        p.data.normal_(0, 0.1)
    sample, t, ids = torch.randn(2, 4, 16, 16), torch.tensor([100.0, 900.0]), torch.randint(3, VOCAB, (2, 100))
    with torch.no_grad():
        exact = model(sample, t, ids)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            mixed = model(sample, t, ids).float()
    assert (mixed - exact).norm() / exact.norm() < 0.05


@pytest.mark.parametrize("native", [True, False])
def test_cpu_bf16_runs_the_network_in_bf16_only_where_the_cpu_has_it_and_keeps_float32_weights(
        native, tmp_path, monkeypatch):
    monkeypatch.setattr(td, "cpu_has_native_bf16", lambda: native)
    latents = LatentSet({"square": torch.randn(8, 4, 16, 16)}, {"square": np.arange(8)})
    ids = torch.randint(3, VOCAB, (8, 100))
    cfg = DenoiserConfig(steps=3, batch_size=4, warmup=1, checkpoint_every=3, channels=(16, 16, 16),
                         objective="flow", cpu_bf16=True)
    seen: list[torch.dtype] = []
    original = TextToLatent.__init__

    def watched_init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.unet.conv_out.register_forward_hook(lambda _m, _i, out: seen.append(out.dtype))

    monkeypatch.setattr(TextToLatent, "__init__", watched_init)
    lines: list[str] = []
    train_denoiser(VOCAB, latents, ids, [1, 2] + [0] * 98, LatentNorm.of(latents), cfg, 0, tmp_path / "d.pt",
                   log=lines.append)
    assert seen == [torch.bfloat16 if native else torch.float32] * 3
    assert any(("bf16 autocast" if native else "float32 (no native bf16") in line for line in lines)
    state = torch.load(tmp_path / "d.pt")
    for key in ("model", "ema"):
        assert all(v.dtype == torch.float32 and torch.isfinite(v).all()
                   for v in state[key].values() if v.is_floating_point())
    assert state["model"]["unet.conv_out.weight"].abs().sum() > 0  # it trained
    assert state["steps_by_precision"] == {"bf16" if native else "float32": 3}


def test_steps_by_precision_add_up_over_sessions_on_different_cpus(tmp_path, monkeypatch):
    latents = LatentSet({"square": torch.randn(8, 4, 16, 16)}, {"square": np.arange(8)})
    ids = torch.randint(3, VOCAB, (8, 100))
    cfg = DenoiserConfig(steps=5, batch_size=4, warmup=1, checkpoint_every=2, channels=(16, 16, 16),
                         objective="flow", cpu_bf16=True)

    def session(native: bool, steps: int):
        monkeypatch.setattr(td, "cpu_has_native_bf16", lambda: native)
        return train_denoiser(VOCAB, latents, ids, [1, 2] + [0] * 98, LatentNorm.of(latents),
                              replace(cfg, steps=steps), 0, tmp_path / "d.pt", log=lambda _: None)

    session(True, 2)  # a session that ends after its checkpoint at step 2...
    state = torch.load(tmp_path / "d.pt")
    state["steps"] = 5  # ...of a run planned for 5 steps
    torch.save(state, tmp_path / "d.pt")
    run = session(False, 5)  # resumed on a CPU without native bf16
    assert run.steps_by_precision == {"bf16": 2, "float32": 3}
    assert torch.load(tmp_path / "d.pt")["steps_by_precision"] == {"bf16": 2, "float32": 3}
