"""FLOPs of one call of an ONNX graph at given input shapes, counted from the graph itself.

`npm run bench` uses it for the denoiser's FLOPs per step, so the count follows whatever
architecture a bundle ships (a U-Net, a transformer) instead of a formula for one network.

Counted: 2 x multiply-accumulates of Conv, ConvTranspose, MatMul, Gemm and Einsum (the
convention of torch.utils.flop_counter and of papers' FLOP counts; bias adds are not MACs).
Everything else that computes on floats (elementwise ops, bias adds, norms, softmax, nearest
resizes excepted) is reported apart as `other_flops`, at 1 FLOP per output element: a rough
floor (a norm or a softmax costs a few per element), to show how little of the work it is.
Data movement (Reshape, Transpose, Concat, Slice, ...) counts nothing.

Shapes: the inputs' dims are made concrete, then onnx.shape_inference runs; the exporter's
shape arithmetic (Shape -> Gather -> Concat -> Reshape, torch's `chunk` as Slice) leaves
shapes it cannot see through, so such subgraphs are evaluated here with numpy, folded into
constants, and inference runs again until nothing changes. A counted op whose shapes are
still unknown is an error, never a silent zero.

Usage (from gpu-runtime/):
    /usr/bin/python3 bench/onnx_flops.py FILE.onnx --input sample=2,4,16,28 --input timestep=2 ...
    /usr/bin/python3 bench/onnx_flops.py --bundle models/limner-mini --batch 2
The second form counts the bundle's denoiser at every bucket of its model.json. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper, shape_inference
from onnx.mapping import TENSOR_TYPE_TO_NP_TYPE

COUNTED = ("Conv", "ConvTranspose", "MatMul", "Gemm", "Einsum")
MOVEMENT = {
    "Cast", "Concat", "Constant", "ConstantOfShape", "DepthToSpace", "Expand", "Flatten", "Gather",
    "GatherElements", "GatherND", "Identity", "Pad", "Range", "Reshape", "Shape", "Size", "Slice",
    "SpaceToDepth", "Split", "Squeeze", "Tile", "Transpose", "Unsqueeze",
}
CONTROL_FLOW = {"If", "Loop", "Scan", "SequenceMap"}
FLOATS = {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.BFLOAT16, TensorProto.DOUBLE}
# Small constants only: shape arithmetic, not weights (a folded weight would cost memory and
# change nothing the count needs).
FOLD_LIMIT = 4096


class FlopCountError(RuntimeError):
    """The graph cannot be counted exactly (an unknown shape, control flow, a custom op)."""


def _attr(node: onnx.NodeProto, name: str, default=None):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def _slice(data, starts, ends, axes=None, steps=None):
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * data.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        index[int(a)] = slice(int(s), int(e), int(st))
    return data[tuple(index)]


def _div(a, b):
    # ONNX integer Div truncates toward zero; shape arithmetic only ever divides non-negatives.
    return a // b if np.issubdtype(a.dtype, np.integer) else a / b


# numpy versions of the ops the exporter uses for shape arithmetic (inputs as arrays, in order).
_EVAL = {
    "Add": lambda n, a, b: a + b,
    "Sub": lambda n, a, b: a - b,
    "Mul": lambda n, a, b: a * b,
    "Div": lambda n, a, b: _div(a, b),
    "Equal": lambda n, a, b: a == b,
    "Where": lambda n, c, a, b: np.where(c, a, b),
    "Cast": lambda n, a: a.astype(TENSOR_TYPE_TO_NP_TYPE[_attr(n, "to")]),
    "Gather": lambda n, a, i: np.take(a, i, axis=_attr(n, "axis", 0)),
    "Unsqueeze": lambda n, a, axes: np.expand_dims(a, tuple(int(x) % (a.ndim + len(axes)) for x in axes)),
    "Squeeze": lambda n, a, axes=None: np.squeeze(a, None if axes is None else tuple(int(x) for x in axes)),
    "Concat": lambda n, *xs: np.concatenate(xs, axis=_attr(n, "axis")),
    "Slice": lambda n, *xs: _slice(*xs),
    "Reshape": lambda n, a, s: a.reshape([a.shape[i] if d == 0 else d for i, d in enumerate(s)]),
    "Range": lambda n, s, e, d: np.arange(s, e, d, dtype=s.dtype),
    "ConstantOfShape": lambda n, s: np.full(tuple(s), 0 if _attr(n, "value") is None
                                            else numpy_helper.to_array(_attr(n, "value"))[0]),
    "Floor": lambda n, a: np.floor(a),
    "Sqrt": lambda n, a: np.sqrt(a),
}


def _concrete(model: onnx.ModelProto, shapes: dict[str, list[int]]) -> onnx.ModelProto:
    model = onnx.ModelProto.FromString(model.SerializeToString())
    names = {i.name for i in model.graph.input}
    unknown = set(shapes) - names
    if unknown:
        raise FlopCountError(f"no graph input named {sorted(unknown)}; inputs are {sorted(names)}")
    initialisers = {t.name for t in model.graph.initializer}
    for value in model.graph.input:
        if value.name in initialisers:
            continue
        if value.name not in shapes:
            raise FlopCountError(f"no shape given for input {value.name!r}")
        dims = value.type.tensor_type.shape.dim
        if len(dims) != len(shapes[value.name]):
            raise FlopCountError(f"input {value.name!r} has rank {len(dims)}, got shape {shapes[value.name]}")
        for dim, size in zip(dims, shapes[value.name]):
            if dim.HasField("dim_value") and dim.dim_value != size:
                raise FlopCountError(f"input {value.name!r} is fixed at {dim.dim_value} where {size} was given")
            dim.Clear()
            dim.dim_value = size
    return model


def _shapes_of(model: onnx.ModelProto) -> tuple[dict[str, tuple | None], dict[str, int]]:
    """Each value's shape (None if unknown or not concrete) and element type."""
    shapes: dict[str, tuple | None] = {}
    types: dict[str, int] = {}
    graph = model.graph
    for value in list(graph.input) + list(graph.value_info) + list(graph.output):
        t = value.type.tensor_type
        types[value.name] = t.elem_type
        dims = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim] if t.HasField("shape") else None
        shapes[value.name] = None if dims is None or None in dims else tuple(dims)
    for t in graph.initializer:
        shapes[t.name], types[t.name] = tuple(t.dims), t.data_type
    return shapes, types


def resolve_shapes(model: onnx.ModelProto) -> tuple[dict[str, tuple | None], dict[str, int]]:
    """Shape inference, folding shape arithmetic into constants until it reaches a fixed point."""
    work = onnx.ModelProto.FromString(model.SerializeToString())
    consts = {t.name: numpy_helper.to_array(t) for t in work.graph.initializer if np.prod(t.dims) <= FOLD_LIMIT}
    while True:
        inferred = shape_inference.infer_shapes(work, data_prop=True)
        shapes, types = _shapes_of(inferred)
        folded = []
        for node in work.graph.node:
            value = None
            if node.op_type == "Constant" and _attr(node, "value") is not None:
                value = numpy_helper.to_array(_attr(node, "value"))
            elif node.op_type == "Shape" and shapes.get(node.input[0]) is not None:
                start, end = _attr(node, "start", 0), _attr(node, "end", None)
                value = np.array(shapes[node.input[0]][start:end], dtype=np.int64)
            elif node.op_type in _EVAL and all(not x or x in consts for x in node.input):
                args = [consts[x] if x else None for x in node.input]
                while args and args[-1] is None:
                    args.pop()
                value = np.asarray(_EVAL[node.op_type](node, *args))
            if value is not None and len(node.output) == 1 and value.size <= FOLD_LIMIT:
                consts[node.output[0]] = value
                folded.append(node)
        if not folded:
            return shapes, types
        for node in folded:
            work.graph.node.remove(node)
            work.graph.initializer.append(numpy_helper.from_array(consts[node.output[0]], node.output[0]))
        # Stale (possibly symbolic) inferences would block the new ones.
        del work.graph.value_info[:]


def _need(shapes: dict, name: str, node: onnx.NodeProto) -> tuple:
    shape = shapes.get(name)
    if shape is None:
        raise FlopCountError(f"{node.op_type} node {node.name!r}: shape of {name!r} is unknown after inference")
    return shape


def _matmul_macs(a: tuple, b: tuple) -> int:
    # numpy matmul semantics: 1-D operands get a dim added, batch dims broadcast.
    a2, b2 = (1, *a) if len(a) == 1 else a, (*b, 1) if len(b) == 1 else b
    batch = np.broadcast_shapes(a2[:-2], b2[:-2])
    return math.prod(batch) * a2[-2] * a2[-1] * b2[-1]


def _einsum_macs(node: onnx.NodeProto, shapes: dict) -> int:
    equation = _attr(node, "equation").decode().replace(" ", "")
    operands = equation.split("->")[0].split(",")
    sizes: dict[str, int] = {}
    ellipsis: list[tuple] = []
    for term, name in zip(operands, node.input):
        shape = _need(shapes, name, node)
        letters = term.replace("...", "")
        if "..." in term:
            before = term.index("...")
            ellipsis.append(shape[before: len(shape) - (len(letters) - before)])
            shape = shape[:before] + shape[len(shape) - (len(letters) - before):]
        for letter, size in zip(letters, shape):
            sizes[letter] = max(sizes.get(letter, 1), size)
    broadcast = np.broadcast_shapes(*ellipsis) if ellipsis else ()
    # Every index of the product, summed or not, is one multiply-accumulate per extra operand.
    return math.prod(sizes.values()) * math.prod(broadcast) * max(len(operands) - 1, 1)


def node_macs(node: onnx.NodeProto, shapes: dict) -> int:
    """Multiply-accumulates of one counted node."""
    op = node.op_type
    if op == "Conv":
        out = _need(shapes, node.output[0], node)
        weight = _need(shapes, node.input[1], node)  # [Cout, Cin/group, k...]
        return math.prod(out) * math.prod(weight[1:])
    if op == "ConvTranspose":
        x = _need(shapes, node.input[0], node)
        weight = _need(shapes, node.input[1], node)  # [Cin, Cout/group, k...]
        return math.prod(x) * math.prod(weight[1:])
    if op == "MatMul":
        return _matmul_macs(_need(shapes, node.input[0], node), _need(shapes, node.input[1], node))
    if op == "Gemm":
        a, b = _need(shapes, node.input[0], node), _need(shapes, node.input[1], node)
        m, k = (a[1], a[0]) if _attr(node, "transA", 0) else a
        n = b[0] if _attr(node, "transB", 0) else b[1]
        return m * k * n
    return _einsum_macs(node, shapes)


def count_flops(model: onnx.ModelProto, input_shapes: dict[str, list[int]]) -> dict:
    """FLOPs of one call at `input_shapes`: `flops` (2 x MACs of the counted ops) and the rest."""
    if model.functions:
        raise FlopCountError("graphs with local functions are not supported (their ops would go uncounted)")
    for node in model.graph.node:
        if node.op_type in CONTROL_FLOW or node.domain not in ("", "ai.onnx"):
            raise FlopCountError(f"{node.domain or 'ai.onnx'}.{node.op_type} node {node.name!r} cannot be counted")
    model = _concrete(model, input_shapes)
    shapes, types = resolve_shapes(model)
    by_op: dict[str, int] = {}
    other_by_op: dict[str, int] = {}
    for node in model.graph.node:
        op = node.op_type
        if op in COUNTED:
            by_op[op] = by_op.get(op, 0) + 2 * node_macs(node, shapes)
            # A bias (Conv's third input, Gemm's C) is one add per output element.
            if len(node.input) > 2 and node.input[2] and op in ("Conv", "ConvTranspose", "Gemm"):
                other_by_op["bias"] = other_by_op.get("bias", 0) + math.prod(_need(shapes, node.output[0], node))
            continue
        if op in MOVEMENT or (op == "Resize" and _attr(node, "mode", b"nearest") == b"nearest"):
            continue
        for out in node.output:
            if out and types.get(out) in FLOATS:
                other_by_op[op] = other_by_op.get(op, 0) + math.prod(_need(shapes, out, node))
    flops, other = sum(by_op.values()), sum(other_by_op.values())
    return {
        "inputs": input_shapes,
        "flops": flops,
        "by_op": by_op,
        "other_flops": other,
        "other_by_op": dict(sorted(other_by_op.items(), key=lambda kv: -kv[1])),
        "other_share": other / (flops + other) if flops + other else 0.0,
    }


def count_bundle(bundle: Path, batch: int) -> dict:
    """The denoiser of a bundle's model.json, per bucket: latent = native size / the VAE's factor."""
    manifest = json.loads((bundle / "model.json").read_text())
    components = manifest["components"]
    denoiser = components["denoiser"]
    factor = components["vae_decoder"]["downsample_factor"]
    model = onnx.load(str(bundle / denoiser["file"]))
    inputs = denoiser["inputs"]

    def shape_of(spec: dict, latent_h: int, latent_w: int) -> list[int]:
        sizes = {"batch": batch, "latent_height": latent_h, "latent_width": latent_w}
        return [sizes[d] if isinstance(d, str) else d for d in spec["shape"]]

    buckets = []
    for bucket in manifest["buckets"]:
        if bucket["width"] % factor or bucket["height"] % factor:
            raise FlopCountError(f"bucket {bucket['name']} is not a multiple of the VAE factor {factor}")
        lh, lw = bucket["height"] // factor, bucket["width"] // factor
        shapes = {spec["name"]: shape_of(spec, lh, lw) for spec in inputs.values()}
        buckets.append({"name": bucket["name"], "width": bucket["width"], "height": bucket["height"],
                        "latent": [lh, lw], **count_flops(model, shapes)})
    return {"model": manifest["id"], "file": denoiser["file"], "batch": batch, "buckets": buckets}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path, nargs="?", help="an ONNX file (with --input)")
    parser.add_argument("--input", action="append", default=[], metavar="NAME=D0,D1,...")
    parser.add_argument("--bundle", type=Path, help="a model bundle: its denoiser at every bucket")
    parser.add_argument("--batch", type=int, default=2, help="with --bundle (2: a CFG pair)")
    args = parser.parse_args()
    try:
        if args.bundle is not None:
            result = count_bundle(args.bundle, args.batch)
        elif args.file is not None:
            shapes = {}
            for spec in args.input:
                name, _, dims = spec.partition("=")
                shapes[name] = [int(d) for d in dims.split(",")]
            result = {"file": str(args.file), **count_flops(onnx.load(str(args.file)), shapes)}
        else:
            parser.error("give an ONNX file with --input shapes, or --bundle")
    except (FlopCountError, KeyError, ValueError, OSError) as error:
        print(f"onnx_flops: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
