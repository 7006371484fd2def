"""Loads a PyTorch module's weights back from the initializers of an ONNX file it was exported to.

Some bundle components outlived their PyTorch checkpoints (the training run directories are
gone); the ONNX files still hold every weight. torch.onnx.export keeps a parameter's name only
when the graph uses it as is. Otherwise the initializer is renamed (`onnx::MatMul_902`) and may
be transformed: a Linear's weight is stored transposed for MatMul, a GroupNorm's affine becomes
`[C, 1, 1]` Mul/Add constants, an eval-mode BatchNorm is folded into the Conv before it.

Rather than guess the mapping from shapes and order, `probe_mapping` *measures* it: it fills the
same architecture with distinct random values (no two parameters share a value), exports it
with the same wrapper, arguments and settings as the original export, and finds each
initializer's source parameter by value, under one of the transforms below. BatchNorms are set
to the identity first (gamma 1, running mean 0, running variance 1 - eps), so the folded Conv
weight *is* the conv weight and the folded bias *is* beta: loading the stored pair into that
identity BatchNorm reproduces the exported function exactly. The probe's initializer names and
shapes must equal the stored file's (same torch exporter), or, failing that, their shapes in
order; anything else is an error, as is a parameter that no initializer supplies unless the
caller lists it as not exported (training-only heads).

    state = load_from_onnx(module, wrapper, args, path, export_kwargs)

`verify_reexport` then exports the loaded module again and compares every initializer with the
stored file: the check that the module computes the stored graph's function.
"""

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

try:
    import onnx
    from onnx import numpy_helper
except ImportError as err:  # pragma: no cover - a clear message instead of a bare traceback
    raise ImportError("reading ONNX weights needs the `onnx` package (Debian: apt-get install python3-onnx; "
                      "scripts/system-packages.sh installs it)") from err

# How a stored array is made from its parameter; loading applies the inverse.
TRANSFORMS: dict[str, tuple[Callable[[np.ndarray, tuple], np.ndarray], Callable[[np.ndarray, tuple], np.ndarray]]] = {
    "identity": (lambda p, _s: p, lambda a, s: a.reshape(s)),
    "transpose": (lambda p, _s: p.T if p.ndim == 2 else p, lambda a, s: a.T.reshape(s)),
    "reshape": (lambda p, _s: p.reshape(-1), lambda a, s: a.reshape(s)),  # e.g. GroupNorm's [C] -> [C, 1, 1]
}


@dataclass(frozen=True)
class Source:
    parameter: str  # state-dict key
    transform: str  # key of TRANSFORMS


def initializers(model: "onnx.ModelProto") -> dict[str, np.ndarray]:
    return {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}


def export_to_proto(wrapper: nn.Module, args: tuple, export_kwargs: dict) -> "onnx.ModelProto":
    warnings.filterwarnings("ignore", category=UserWarning, module="torch.onnx")
    buffer = io.BytesIO()
    wrapper.eval()
    with torch.no_grad():
        torch.onnx.export(wrapper, args, buffer, **export_kwargs)
    return onnx.load_from_string(buffer.getvalue())


def _identity_batchnorms(module: nn.Module) -> None:
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            with torch.no_grad():
                m.weight.fill_(1.0)
                m.running_mean.zero_()
                m.running_var.fill_(1.0 - m.eps)


def _batchnorm_fixed(module: nn.Module) -> set[str]:
    """State-dict keys the identity BatchNorms pin (never read from the file)."""
    keys = set()
    for name, m in module.named_modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            prefix = f"{name}." if name else ""
            keys |= {prefix + k for k in ("weight", "running_mean", "running_var", "num_batches_tracked")}
    return keys


def probe_mapping(module: nn.Module, make_wrapper: Callable[[nn.Module], nn.Module], args: tuple,
                  export_kwargs: dict, seed: int = 0) -> tuple[dict[str, Source], dict[str, np.ndarray], "onnx.ModelProto"]:
    """Initializer name -> its source parameter, measured on a probe export of `module`'s architecture.

    Returns the mapping, the probe's initializers that no parameter explains (constants of the
    architecture, compared by value at load time), and the probe graph. `module` is left with
    probe values; load real weights afterwards.
    """
    gen = torch.Generator().manual_seed(seed)
    state = module.state_dict()
    with torch.no_grad():
        for key, value in state.items():
            if value.is_floating_point():
                value.copy_(torch.randn(value.shape, generator=gen))
    _identity_batchnorms(module)
    pinned = _batchnorm_fixed(module)
    proto = export_to_proto(make_wrapper(module), args, export_kwargs)
    params = {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()
              if v.is_floating_point() and k not in pinned}
    by_first = {}  # a cheap index: distinct random values, so the first element nearly identifies
    for key, value in params.items():
        for transform, (forward, _inverse) in TRANSFORMS.items():
            stored = forward(value, value.shape).reshape(-1)
            if stored.size:
                by_first.setdefault(float(stored[0]), []).append((key, transform, stored))
    mapping, constants = {}, {}
    for name, array in initializers(proto).items():
        flat = array.reshape(-1)
        hits = [(k, t) for k, t, stored in by_first.get(float(flat[0]), []) if stored.size == flat.size
                and np.array_equal(stored, flat)] if flat.size and array.dtype == np.float32 else []
        if hits:
            mapping[name] = Source(*hits[0])
        else:
            constants[name] = array
    return mapping, constants, proto


def load_from_onnx(module: nn.Module, make_wrapper: Callable[[nn.Module], nn.Module], args: tuple,
                   path: Path, export_kwargs: dict, not_exported: tuple[str, ...] = ()) -> list[str]:
    """Fills `module` (in place) with the weights stored in the ONNX file at `path`.

    `make_wrapper(module)` must build the module the file was exported from (same inputs and
    outputs), `args` and `export_kwargs` the export's example inputs and settings. Parameters
    whose state-dict key starts with one of `not_exported` keep their initial values (the
    caller decides what they should be). Returns the state-dict keys loaded from the file.
    """
    initial = {k: v.clone() for k, v in module.state_dict().items()}
    mapping, constants, probe = probe_mapping(module, make_wrapper, args, export_kwargs)
    stored_proto = onnx.load(str(path))
    stored = initializers(stored_proto)
    probe_list = [(i.name, tuple(i.dims)) for i in probe.graph.initializer]
    stored_list = [(i.name, tuple(i.dims)) for i in stored_proto.graph.initializer]
    if probe_list == stored_list:
        rename = {name: name for name, _ in probe_list}
    elif [s for _, s in probe_list] == [s for _, s in stored_list]:
        # Another exporter numbered the renamed initializers differently; the graph is the same
        # as long as every shape agrees in order.
        rename = {p: s for (p, _), (s, _) in zip(probe_list, stored_list)}
    else:
        missing = sorted(set(stored_list) ^ set(probe_list))[:6]
        raise ValueError(f"{path}: the architecture's export does not match the file's initializers "
                         f"(differences include {missing})")
    state = {k: v.clone() for k, v in initial.items()}
    _identity_state(module, state)
    loaded = set()
    for probe_name, source in mapping.items():
        array = stored[rename[probe_name]]
        target = state[source.parameter]
        state[source.parameter] = torch.from_numpy(TRANSFORMS[source.transform][1](array.copy(), tuple(target.shape)))
        if source.parameter in loaded:
            raise ValueError(f"{path}: parameter {source.parameter} is stored twice")
        loaded.add(source.parameter)
    for probe_name, value in constants.items():
        if not np.allclose(stored[rename[probe_name]], value):
            raise ValueError(f"{path}: initializer {rename[probe_name]} matches no parameter and is not the "
                             f"architecture's constant")
    pinned = _batchnorm_fixed(module)
    unexplained = [k for k, v in state.items() if v.is_floating_point() and k not in loaded and k not in pinned
                   and not k.startswith(not_exported)]
    if unexplained:
        raise ValueError(f"{path}: no initializer holds {', '.join(unexplained)}")
    module.load_state_dict(state)
    return sorted(loaded)


def _identity_state(module: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """The identity BatchNorm values of `_identity_batchnorms`, written into a state dict."""
    for name, m in module.named_modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            prefix = f"{name}." if name else ""
            state[prefix + "weight"] = torch.ones_like(state[prefix + "weight"])
            state[prefix + "running_mean"] = torch.zeros_like(state[prefix + "running_mean"])
            state[prefix + "running_var"] = torch.full_like(state[prefix + "running_var"], 1.0 - m.eps)


def verify_reexport(wrapper: nn.Module, args: tuple, path: Path, export_kwargs: dict) -> float:
    """Exports the loaded module again; the largest absolute difference of any initializer from
    the stored file's (0 when the module holds exactly the stored weights)."""
    again = export_to_proto(wrapper, args, export_kwargs)
    stored = onnx.load(str(path))
    a = [numpy_helper.to_array(i) for i in again.graph.initializer]
    b = [numpy_helper.to_array(i) for i in stored.graph.initializer]
    if [x.shape for x in a] != [x.shape for x in b]:
        raise ValueError(f"{path}: the re-export's initializers differ in shape")
    return max((float(np.abs(x.astype(np.float64) - y).max()) for x, y in zip(a, b) if x.size), default=0.0)
