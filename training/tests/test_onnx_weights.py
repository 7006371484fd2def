"""training/onnx_weights.py: weights read back from ONNX initializers, renamed ones included."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from training.onnx_weights import load_from_onnx, probe_mapping, verify_reexport

EXPORT = dict(input_names=["x"], output_names=["y"], opset_version=17, dynamic_axes={"x": {0: "batch"}})


class Net(nn.Module):
    """The layer kinds the exporter renames or folds: a BatchNorm after a bias-free conv (folded
    into it), a GroupNorm (affine becomes Mul/Add constants), Linears (weights go to MatMul,
    transposed), plus a bare parameter used as is."""

    def __init__(self, width: int = 8):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(width)
        self.gn = nn.GroupNorm(2, width)
        self.fc1 = nn.Linear(width, 12)
        self.fc2 = nn.Linear(12, 5)
        self.offset = nn.Parameter(torch.zeros(5))
        self.unused = nn.Linear(3, 3)  # a training-only head: not in the graph

    def forward(self, x):
        tokens = F.gelu(self.gn(F.gelu(self.bn(self.conv(x))))).flatten(2).transpose(1, 2)
        # fc1 on [B, N, C] exports as a MatMul (weight transposed, renamed), fc2 on [B, C] as Gemm.
        return self.fc2(F.gelu(self.fc1(tokens)).mean(1)) + self.offset


def trained(seed: int = 1) -> Net:
    torch.manual_seed(seed)
    net = Net()
    with torch.no_grad():  # non-trivial BatchNorm statistics and affine, as training leaves them
        for p in net.parameters():
            p.add_(torch.randn_like(p) * 0.5)
        net.bn.running_mean.normal_()
        net.bn.running_var.uniform_(0.5, 2.0)
    return net.eval()


def test_a_module_loaded_from_its_export_computes_the_same_function(tmp_path):
    source = trained()
    path = tmp_path / "net.onnx"
    torch.onnx.export(source, (torch.randn(2, 3, 8, 8),), str(path), **EXPORT)
    restored = Net().eval()
    keys = load_from_onnx(restored, lambda m: m, (torch.randn(2, 3, 8, 8),), path, EXPORT, not_exported=("unused.",))
    assert "fc1.weight" in keys and "conv.weight" in keys and "offset" in keys
    x = torch.randn(4, 3, 16, 8)
    with torch.no_grad():
        assert torch.allclose(restored(x), source(x), atol=1e-5)
    assert verify_reexport(restored, (torch.randn(2, 3, 8, 8),), path, EXPORT) < 1e-6


def test_the_probe_finds_transposed_and_renamed_initializers():
    mapping, constants, _ = probe_mapping(Net(), lambda m: m, (torch.randn(1, 3, 8, 8),), EXPORT)
    by_parameter = {source.parameter: source.transform for source in mapping.values()}
    assert by_parameter["fc1.weight"] == "transpose"
    assert by_parameter["fc2.weight"] == "identity"
    assert by_parameter["gn.weight"] in ("identity", "reshape")
    assert not constants


def test_a_parameter_no_initializer_holds_is_an_error_unless_declared_unexported(tmp_path):
    path = tmp_path / "net.onnx"
    torch.onnx.export(trained(), (torch.randn(2, 3, 8, 8),), str(path), **EXPORT)
    with pytest.raises(ValueError, match="unused.weight"):
        load_from_onnx(Net(), lambda m: m, (torch.randn(2, 3, 8, 8),), path, EXPORT)


def test_another_architecture_is_refused(tmp_path):
    path = tmp_path / "net.onnx"
    torch.onnx.export(trained(), (torch.randn(2, 3, 8, 8),), str(path), **EXPORT)
    with pytest.raises(ValueError, match="does not match"):
        load_from_onnx(Net(width=16), lambda m: m, (torch.randn(2, 3, 8, 8),), path, EXPORT,
                       not_exported=("unused.",))
