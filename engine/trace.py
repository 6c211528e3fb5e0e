"""The trace: a backward pass as plain JSON-ready data (see docs/trace-format.md)."""

from __future__ import annotations

import math
from itertools import accumulate

import numpy as np

from .errors import EngineError
from .gcpause import paused_gc_for
from .latex import name_tex, number_tex, shape_tex, substitute, title_tex
from .ops import OPS
from .tensor import Tensor

#: Writing: a non-finite float (by its repr) -> the JSON string that stands for it.
NONFINITE_TO_JSON = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
#: Reading: the JSON string -> the float (inputs to the service accept the same strings).
NONFINITE_FROM_JSON = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def encode(a, shape: tuple | None = None):
    """A JSON-ready number or nested list; inf and nan become "Infinity", "-Infinity", "NaN".

    >>> encode(np.array([1.0, np.inf]))
    [1.0, 'Infinity']
    """
    kind = type(a)
    if kind is float or kind is np.float64:  # the common scalar case, kept cheap
        if shape:
            return encode(np.broadcast_to(a, shape))
        v = float(a)
        return v if v - v == 0.0 else NONFINITE_TO_JSON[repr(v)]
    if a is None:
        return None
    arr = np.asarray(a, dtype=np.float64)
    if shape is not None and arr.shape != shape:
        arr = np.broadcast_to(arr, shape)
    if arr.ndim == 0:
        return encode(float(arr))
    if np.isfinite(arr).all():
        return arr.tolist()
    return _encode_nested(arr.tolist())


def _encode_nested(x):
    if isinstance(x, list):
        return [_encode_nested(v) for v in x]
    return x if x - x == 0.0 else NONFINITE_TO_JSON[repr(x)]


def decode(x):
    """The inverse of `encode` for inputs: numbers and nested lists, with the three strings."""
    if isinstance(x, str):
        if x in NONFINITE_FROM_JSON:
            return NONFINITE_FROM_JSON[x]
        raise EngineError(
            f"{x!r} is not a number (non-finite values are 'NaN', 'Infinity', '-Infinity')"
        )
    if isinstance(x, list):
        return [decode(v) for v in x]
    return x


def label(node: Tensor) -> str:
    if node.name:
        return node.name
    if node.inputs:
        return OPS[node.op].title
    if node.value.ndim == 0:
        return f"{float(node.value):.6g}"
    return "[" + "×".join(str(n) for n in np.shape(node.value)) + "]"


def tex(node: Tensor, label: str) -> str:
    """The node's display name (its `label`) as LaTeX (engine/latex.py)."""
    if node.name:
        return name_tex(node.name)
    if node.inputs:
        return title_tex(OPS[node.op].title)
    return number_tex(label) if node.value.ndim == 0 else shape_tex(label)


def trace(out: Tensor) -> dict:
    """Everything `out.backward()` did, as plain dicts, lists, numbers and strings."""
    record = out._record
    if record is None:
        raise EngineError("trace() needs a backward pass first: call out.backward()")
    with paused_gc_for(len(record.order)):
        return _trace(out, record)


def _trace(out: Tensor, record) -> dict:
    order, grads = record.nodes(out), record.grads
    enc = encode
    index = {id(node): i for i, node in enumerate(order)}
    nid, first_edge, eid = ids(order)
    count = len(eid)

    nodes = []
    sources = []  # per node, the ids of its inputs
    texs = []
    named = []  # per node, its op's formulas in the names of its inputs
    for i, node in enumerate(order):
        value = node.value
        grad = grads.get(id(node))
        inputs = [nid[index[id(inp)]] for inp in node.inputs] if node.inputs else []
        sources.append(inputs)
        node_label = label(node)
        texs.append(tex(node, node_label))
        input_texs = [texs[index[id(inp)]] for inp in node.inputs]
        named.append([substitute(f, *input_texs) for f in OPS[node.op].formulas] if inputs else [])
        nodes.append(
            {
                "id": nid[i],
                "op": node.op,
                "label": node_label,
                "tex": texs[i],
                "name": node.name,
                "inputs": inputs,
                "attrs": _attrs(node.attrs) if node.attrs else {},
                "shape": list(value.shape),
                "value": enc(value),
                "grad": None if grad is None else enc(grad),
                "requires_grad": node.requires_grad,
                "span": list(node.span) if node.span else None,
            }
        )

    edges: list = [None] * count
    steps = []
    for i, g, edge_records in record.steps:
        node = order[i]
        target = nid[i]
        upstream = enc(g)
        formulas = OPS[node.op].formulas
        out_shape = node.value.shape
        first = first_edge[i]
        for k, (local, downstream, reduction) in enumerate(edge_records):
            edges[first + k] = {
                "id": eid[first + k],
                "source": sources[i][k],
                "target": target,
                "index": k,
                "upstream": upstream,
                "local": None if local is None else enc(local, out_shape),
                "local_formula": formulas[k],
                "local_formula_named": named[i][k],
                "downstream": None if downstream is None else enc(downstream),
                "reduction": reduction,
            }
        steps.append(
            {
                "node": target,
                "op": node.op,
                "label": nodes[i]["label"],
                "upstream": upstream,
                "edges": eid[first : first + len(edge_records)],
            }
        )
    # edges into nodes that needed no gradient (constants only) carry no numbers
    for i, node in enumerate(order):
        for k in range(len(node.inputs)):
            e = first_edge[i] + k
            if edges[e] is None:
                edges[e] = {
                    "id": eid[e],
                    "source": sources[i][k],
                    "target": nid[i],
                    "index": k,
                    "upstream": None,
                    "local": None,
                    "local_formula": OPS[node.op].formulas[k],
                    "local_formula_named": named[i][k],
                    "downstream": None,
                    "reduction": None,
                }

    fanout = []
    for i in sorted(index[key] for key in record.contributions):
        parts = record.contributions[id(order[i])]
        fanout.append(
            {
                "node": nid[i],
                "contributions": [
                    {"edge": eid[first_edge[c] + k], "value": enc(d)} for c, k, d in parts
                ],
                "sum": enc(grads[id(order[i])]),
            }
        )

    gradients = {
        node.name: enc(grads[id(node)])
        for node in order
        if not node.inputs and node.name and node.requires_grad
    }
    return {
        "output": nid[-1],
        "nodes": nodes,
        "edges": edges,
        "forward": nid,
        "steps": steps,
        "fanout": fanout,
        "gradients": gradients,
    }


def ids(order: list[Tensor]) -> tuple[list[str], list[int], list[str]]:
    """The trace's ids, made in this one place: nodes "n0", "n1", ... in forward order; edges
    "e0", "e1", ... by consumer (in forward order), then input position.

    Returns the node ids, `first` (node i's edges are edge_ids[first[i]:first[i + 1]]) and the
    edge ids.
    """
    first = [0, *accumulate([len(node.inputs) for node in order])]
    return [f"n{i}" for i in range(len(order))], first, [f"e{e}" for e in range(first[-1])]


def _attrs(attrs: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in attrs.items()}
