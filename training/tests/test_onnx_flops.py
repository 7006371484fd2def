"""The bench's FLOP counter (gpu-runtime/bench/onnx_flops.py): exact counts on tiny exported
graphs, and limner-mini's image networks counted from their ONNX export against PyTorch's own
count of the same modules.

torch.utils.flop_counter arrived in PyTorch 2.1; Debian's torch here is older, so the reference
is the profiler's `with_flops`, which counts the same ops (conv2d, mm, addmm, bmm, baddbmm) by
the same convention (2 x multiply-accumulates, bias adds excluded). Its elementwise counts
(aten::mul, aten::add) are left out, as the counter keeps them apart too.
"""

import importlib.util
import json

import onnx
import pytest
import torch
from torch import nn
from torch.profiler import profile

from training.captioner.tokenizer import SPECIALS, Tokenizer, build_vocab
from training.image.denoiser import TEXT_MAX_LENGTH, TEXT_WIDTH, TextToLatent
from training.image.export import export_text_to_latent
from training.paths import BUNDLE, GPU_RUNTIME

_spec = importlib.util.spec_from_file_location("onnx_flops", GPU_RUNTIME / "bench" / "onnx_flops.py")
onnx_flops = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(onnx_flops)

MATRIX_OPS = {"aten::conv2d", "aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm"}
LATENTS = ((16, 16), (16, 28), (28, 16))  # the square, landscape and portrait buckets / 8


def export(module: nn.Module, args: tuple, path, names: list[str], dynamic: dict | None = None) -> onnx.ModelProto:
    with torch.no_grad():
        torch.onnx.export(module.eval(), args, str(path), input_names=names, output_names=["out"],
                          dynamic_axes=dynamic, opset_version=17)
    return onnx.load(str(path))


def torch_flops(module: nn.Module, *args) -> int:
    with torch.no_grad(), profile(with_flops=True) as prof:
        module(*args)
    return sum(e.flops for e in prof.events() if e.name in MATRIX_OPS)


class Linear3d(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(5, 7))

    def forward(self, x):
        return x @ self.w


class Attention(nn.Module):
    def forward(self, q, k):
        return q @ k.transpose(-1, -2)


class Einsum(nn.Module):
    def forward(self, a, b):
        return torch.einsum("bij,bjk->bik", a, b)


def test_a_conv_counts_two_flops_per_multiply_accumulate_and_keeps_its_bias_apart(tmp_path):
    conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
    model = export(conv, (torch.randn(1, 3, 8, 8),), tmp_path / "conv.onnx", ["x"], {"x": {0: "b", 2: "h", 3: "w"}})
    got = onnx_flops.count_flops(model, {"x": [2, 3, 10, 12]})
    # Output 2 x 8 x 5 x 6 cells, each 3 x 3 x 3 multiply-accumulates.
    assert got["by_op"] == {"Conv": 2 * (2 * 8 * 5 * 6) * (3 * 3 * 3)}
    assert got["other_by_op"] == {"bias": 2 * 8 * 5 * 6}


def test_a_grouped_conv_and_a_transposed_conv(tmp_path):
    grouped = nn.Conv2d(8, 4, 1, groups=2, bias=False)
    model = export(grouped, (torch.randn(1, 8, 4, 4),), tmp_path / "g.onnx", ["x"])
    assert onnx_flops.count_flops(model, {"x": [1, 8, 4, 4]})["flops"] == 2 * (4 * 4 * 4) * 4
    up = nn.ConvTranspose2d(4, 6, 2, stride=2, bias=False)
    model = export(up, (torch.randn(1, 4, 3, 5),), tmp_path / "t.onnx", ["x"])
    # Every input cell scatters into 6 x 2 x 2 outputs.
    assert onnx_flops.count_flops(model, {"x": [1, 4, 3, 5]})["by_op"] == {"ConvTranspose": 2 * (4 * 3 * 5) * 6 * 4}


def test_matmuls_with_batch_dims_broadcast_and_a_gemm(tmp_path):
    model = export(Linear3d(), (torch.randn(2, 3, 5),), tmp_path / "mm.onnx", ["x"], {"x": {0: "b", 1: "t"}})
    assert onnx_flops.count_flops(model, {"x": [4, 9, 5]})["by_op"] == {"MatMul": 2 * 4 * 9 * 5 * 7}
    model = export(Attention(), (torch.randn(2, 4, 6, 8), torch.randn(1, 4, 10, 8)), tmp_path / "att.onnx", ["q", "k"])
    # k's batch of 1 broadcasts against q's 2: 2 x 4 products of [6, 8] @ [8, 10].
    assert onnx_flops.count_flops(model, {"q": [2, 4, 6, 8], "k": [1, 4, 10, 8]})["flops"] == 2 * 8 * 6 * 8 * 10
    gemm = nn.Linear(16, 32)
    model = export(gemm, (torch.randn(3, 16),), tmp_path / "gemm.onnx", ["x"], {"x": {0: "b"}})
    assert [n.op_type for n in model.graph.node] == ["Gemm"]
    got = onnx_flops.count_flops(model, {"x": [5, 16]})
    assert got["by_op"] == {"Gemm": 2 * 5 * 16 * 32} and got["other_by_op"] == {"bias": 5 * 32}


def test_an_einsum(tmp_path):
    model = export(Einsum(), (torch.randn(2, 3, 4), torch.randn(2, 4, 5)), tmp_path / "e.onnx", ["a", "b"])
    assert [n.op_type for n in model.graph.node] == ["Einsum"]
    assert onnx_flops.count_flops(model, {"a": [2, 3, 4], "b": [2, 4, 5]})["flops"] == 2 * 2 * 3 * 4 * 5


def test_bad_shapes_and_uncountable_graphs_are_errors_not_undercounts(tmp_path):
    model = export(nn.Linear(4, 4), (torch.randn(1, 4),), tmp_path / "l.onnx", ["x"], {"x": {0: "b"}})
    with pytest.raises(onnx_flops.FlopCountError, match="no shape given"):
        onnx_flops.count_flops(model, {})
    with pytest.raises(onnx_flops.FlopCountError, match="fixed at 4"):
        onnx_flops.count_flops(model, {"x": [1, 5]})
    custom = onnx.helper.make_node("FusedThing", ["x"], ["y"], domain="com.example")
    model.graph.node.append(custom)
    with pytest.raises(onnx_flops.FlopCountError, match="com.example.FusedThing"):
        onnx_flops.count_flops(model, {"x": [1, 4]})


def limner_network(tmp_path, **kwargs) -> tuple[nn.Module, onnx.ModelProto]:
    """limner-mini's image network, exported by the project's exporter (training/image/export.py)."""
    torch.manual_seed(0)
    tok = Tokenizer(build_vocab())
    model = TextToLatent(tok.size, **kwargs).eval()
    export_text_to_latent(model, tmp_path, {t: tok.id(t) for t in SPECIALS}, "v")
    return model.network, onnx.load(str(tmp_path / "image" / "denoiser.onnx"))


def unread_flops(network: nn.Module, *args) -> int:
    """PyTorch's count of work whose result nothing reads. An MM-DiT's last joint block still
    runs its text stream's projection and MLP, though only the image stream goes on to the
    output; the ONNX exporter prunes that dead code, so the served graph never computes it."""
    if not hasattr(network, "blocks"):
        return 0
    text = network.blocks[-1].text
    seen = []
    hooks = [m.register_forward_hook(lambda module, inputs, _: seen.append((module, inputs)))
             for m in (text.proj, text.mlp)]
    with torch.no_grad():
        network(*args)
    for hook in hooks:
        hook.remove()
    return sum(torch_flops(module, *inputs) for module, inputs in seen)


@pytest.mark.parametrize("kwargs", [{}, {"architecture": "mmdit", "patch": 2, "depth": 2}], ids=["unet", "mmdit"])
def test_limner_minis_networks_count_as_pytorch_counts_them_at_every_bucket(tmp_path, kwargs):
    network, model = limner_network(tmp_path, **kwargs)
    for h, w in LATENTS:
        args = (torch.randn(2, 4, h, w), torch.tensor([999.0, 10.0]), torch.randn(2, TEXT_MAX_LENGTH, TEXT_WIDTH))
        got = onnx_flops.count_flops(model, {"sample": [2, 4, h, w], "timestep": [2],
                                             "encoder_hidden_states": [2, TEXT_MAX_LENGTH, TEXT_WIDTH]})
        want = torch_flops(network, *args) - unread_flops(network, *args)
        assert want > 0 and got["flops"] == pytest.approx(want, rel=0.01), (h, w, got["by_op"], want)
        assert 0 < got["other_share"] < 0.05
    assert (unread_flops(network, *args) > 0) == ("architecture" in kwargs)


def test_the_committed_bundle_counts_at_every_bucket_from_its_manifest():
    result = onnx_flops.count_bundle(BUNDLE, 2)
    manifest = json.loads((BUNDLE / "model.json").read_text())
    assert [b["name"] for b in result["buckets"]] == [b["name"] for b in manifest["buckets"]]
    factor = manifest["components"]["vae_decoder"]["downsample_factor"]
    by_name = {b["name"]: b for b in result["buckets"]}
    for bucket in result["buckets"]:
        assert bucket["latent"] == [bucket["height"] // factor, bucket["width"] // factor]
        assert bucket["inputs"]["sample"][0] == 2 and bucket["flops"] > 0
    # A transposed latent (portrait vs landscape) costs the same; more cells cost more.
    assert by_name["landscape"]["flops"] == by_name["portrait"]["flops"] > by_name["square"]["flops"]
