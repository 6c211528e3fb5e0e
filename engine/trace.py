"""The trace: a backward pass as plain JSON-ready data (see docs/trace-format.md)."""

from __future__ import annotations

import math

import numpy as np

from .errors import EngineError
from .ops import OPS
from .tensor import Tensor

NONFINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
_DECODE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def encode(a, shape: tuple | None = None):
    """A JSON-ready number or nested list; inf and nan become "Infinity", "-Infinity", "NaN".

    >>> encode(np.array([1.0, np.inf]))
    [1.0, 'Infinity']
    """
    if a is None:
        return None
    if shape is not None and np.shape(a) != shape:
        a = np.broadcast_to(a, shape)
    if type(a) is float or np.ndim(a) == 0:
        v = float(a)
        return v if v - v == 0.0 else NONFINITE[repr(v)]
    arr = np.asarray(a, dtype=np.float64)
    if np.isfinite(arr).all():
        return arr.tolist()
    return _encode_nested(arr.tolist())


def _encode_nested(x):
    if isinstance(x, list):
        return [_encode_nested(v) for v in x]
    return x if x - x == 0.0 else NONFINITE[repr(x)]


def decode(x):
    """The inverse of `encode` for inputs: numbers and nested lists, with the three strings."""
    if isinstance(x, str):
        if x in _DECODE:
            return _DECODE[x]
        raise EngineError(f"{x!r} is not a number (non-finite values are 'NaN', 'Infinity', "
                          "'-Infinity')")
    if isinstance(x, list):
        return [decode(v) for v in x]
    return x


def node_ids(order: list[Tensor]) -> dict[int, str]:
    """Stable ids: n0, n1, ... in forward order, so one expression always gives the same ids."""
    return {id(node): f"n{i}" for i, node in enumerate(order)}


def edge_ids(order: list[Tensor]) -> dict[tuple[int, int], str]:
    """e0, e1, ... by consumer in forward order, then input position."""
    ids = {}
    for node in order:
        for k in range(len(node.inputs)):
            ids[(id(node), k)] = f"e{len(ids)}"
    return ids


def label(node: Tensor) -> str:
    if node.name:
        return node.name
    if node.inputs:
        return OPS[node.op].title
    if np.ndim(node.value) == 0:
        return f"{float(node.value):.6g}"
    return "[" + "×".join(str(n) for n in np.shape(node.value)) + "]"


def trace(out: Tensor) -> dict:
    """Everything `out.backward()` did, as plain dicts, lists, numbers and strings."""
    record = out._record
    if record is None:
        raise EngineError("trace() needs a backward pass first: call out.backward()")
    order = record.order
    nid = node_ids(order)
    eid = edge_ids(order)

    nodes = []
    for node in order:
        nodes.append({
            "id": nid[id(node)],
            "op": node.op,
            "label": label(node),
            "name": node.name,
            "inputs": [nid[id(i)] for i in node.inputs],
            "attrs": {k: list(v) if isinstance(v, tuple) else v for k, v in node.attrs.items()},
            "shape": list(np.shape(node.value)),
            "value": encode(node.value),
            "grad": encode(node._grad),
            "requires_grad": node.requires_grad,
            "span": list(node.span) if node.span else None,
        })

    recorded = {}
    steps = []
    for node, g, edge_records in record.steps:
        ids = []
        for k, rec in enumerate(edge_records):
            recorded[(id(node), k)] = (g, rec)
            ids.append(eid[(id(node), k)])
        steps.append({"node": nid[id(node)], "op": node.op, "label": label(node),
                      "upstream": encode(g), "edges": ids})

    edges = []
    for node in order:
        op = OPS.get(node.op)
        out_shape = np.shape(node.value)
        for k, inp in enumerate(node.inputs):
            g, (local, downstream, reduction) = recorded.get((id(node), k), (None, (None,) * 3))
            edges.append({
                "id": eid[(id(node), k)],
                "source": nid[id(inp)],
                "target": nid[id(node)],
                "index": k,
                "upstream": encode(g),
                "local": encode(local, out_shape),
                "local_formula": op.formulas[k],
                "downstream": encode(downstream),
                "reduction": reduction,
            })

    fanout = []
    for node in order:
        parts = record.contributions.get(id(node))
        if parts:
            fanout.append({
                "node": nid[id(node)],
                "contributions": [{"edge": eid[(id(c), k)], "value": encode(d)}
                                  for c, k, d in parts],
                "sum": encode(node._grad),
            })

    gradients = {node.name: encode(node._grad) for node in order
                 if not node.inputs and node.name and node.requires_grad}
    return {"output": nid[id(out)], "nodes": nodes, "edges": edges,
            "forward": [n["id"] for n in nodes], "steps": steps, "fanout": fanout,
            "gradients": gradients}
