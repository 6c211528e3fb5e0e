"""The trace: a backward pass as plain JSON-ready data (see docs/trace-format.md)."""

from __future__ import annotations

import math
import threading
from functools import lru_cache
from itertools import accumulate, chain

import numpy as np

from .errors import EngineError
from .gcpause import paused_gc_for
from .latex import lone_input, name_tex, number_tex, shape_tex, substitute, title_tex, uses_inputs
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
    """The node's display name: its name, else its op's title, else the constant's value."""
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
        return _TITLE_TEXS[node.op]
    return number_tex(label) if node.value.ndim == 0 else shape_tex(label)


def trace(out: Tensor, forward=None) -> dict:
    """Everything `out.backward()` did, as plain dicts, lists, numbers and strings.

    With `forward` (an engine.forward_tangents record of the same graph), every node also
    carries its `tangent`, every edge its share of its target's tangent, and the trace the
    output's `tangent` (docs/trace-format.md, "Forward mode").
    """
    record = out._record
    if record is None:
        raise EngineError("trace() needs a backward pass first: call out.backward()")
    with paused_gc_for(len(record.order)):
        result = _trace(out, record)
        if forward is not None:
            _add_tangents(result, record.nodes(out), forward)
        return result


def _add_tangents(result: dict, order: list[Tensor], forward) -> None:
    """Forward mode's numbers beside backprop's: node tangents (zero where nothing reached),
    edge shares (null where the input has no rule: class indices), the output's tangent."""
    tangents = [forward.tangent(node) for node in order]
    scalar = all(type(node.value) is np.float64 for node in order)
    encoded = _encode_each(tangents, scalar)
    edge_nodes = iter(result["edges"])
    for node, row, t in zip(order, result["nodes"], encoded):
        row["tangent"] = t
        if not node.inputs:
            continue
        rules = OPS[node.op].rules()
        shares = forward.shares.get(node._seq) or [None] * len(node.inputs)
        for k, share in enumerate(shares):
            edge = next(edge_nodes)
            if rules[k] is None:
                edge["tangent"] = None
            elif share is None:
                edge["tangent"] = encode(np.zeros_like(node.value))
            else:
                edge["tangent"] = encode(share, np.shape(node.value))
    result["tangent"] = encoded[-1]


def ids(order: list[Tensor]) -> tuple[list[str], list[int], list[str]]:
    """The trace's ids, made in this one place: nodes "n0", "n1", ... in forward order; edges
    "e0", "e1", ... by consumer (in forward order), then input position.

    Returns the node ids, `first` (node i's edges are edge_ids[first[i]:first[i + 1]]) and the
    edge ids.
    """
    first = [0, *accumulate([len(node.inputs) for node in order])]
    return _numbered(_NODE_IDS, "n", len(order)), first, _numbered(_EDGE_IDS, "e", first[-1])


#: Id strings made once and shared by every trace (a trace's ids are a prefix of these).
_NODE_IDS: list[str] = []
_EDGE_IDS: list[str] = []
_IDS_KEPT = 1 << 16
_IDS_LOCK = threading.Lock()


def _numbered(made: list[str], prefix: str, n: int) -> list[str]:
    if n <= len(made):
        return made[:n]
    if len(made) < min(n, _IDS_KEPT):
        with _IDS_LOCK:  # only ever appended to: a reader's prefix never changes
            made.extend(f"{prefix}{i}" for i in range(len(made), min(n, _IDS_KEPT)))
    if n <= _IDS_KEPT:
        return made[:n]
    return made + [f"{prefix}{i}" for i in range(_IDS_KEPT, n)]


# ---------------------------------------------------------------------------------------------
# A 10,000-node trace is ~50,000 dicts; making them (and later freeing them) is more than half of
# its time. The rest is kept small: each list is one comprehension over lists made beforehand,
# the records of the backward pass are read once, scalars are converted in one numpy call.
# ---------------------------------------------------------------------------------------------
class _PerOp(dict):
    """What the trace needs of each op, made from its registry entry on first use (so an op
    registered after import has its row too); the leaves have theirs from the start."""

    def __init__(self, make, leaf):
        super().__init__(input=leaf, const=leaf)
        self.make = make

    def __missing__(self, name: str):
        row = self[name] = self.make(OPS[name])
        return row


_TITLES = _PerOp(lambda op: op.title, None)
_TITLE_TEXS = _PerOp(lambda op: title_tex(op.title), None)
#: (local, downstream, reduction) of each edge of a node that backprop did not step
_UNUSED = [((None, None, None),) * arity for arity in range(3)]


#: How an edge's formula reads in the names of its inputs: unchanged (None), as the name of
#: one input alone (its position: mul's "y" is 1), or as latex.substitute writes it (this).
_SUBSTITUTED = -1


def _in_names(formula: str) -> int | None:
    if not uses_inputs(formula):
        return None
    k = lone_input(formula)
    return _SUBSTITUTED if k is None else k


#: per op, each of its edges as (input position, formula, how the formula reads in names)
_EDGES = _PerOp(lambda op: tuple((k, f, _in_names(f)) for k, f in enumerate(op.formulas)), ())


@lru_cache(maxsize=4096)
def _named(op: str, *inputs: str) -> tuple[str, ...]:
    """The op's formulas in the names (LaTeX) of its inputs."""
    return tuple(substitute(f, *inputs) for f in OPS[op].formulas)


def _columns(recorded: list) -> tuple:
    """Each edge's (local, downstream, reduction) as three tuples, in edge order: one pass over
    the records of the backward pass (they lie scattered in memory)."""
    return tuple(zip(*chain.from_iterable(recorded))) or ((), (), ())


#: From this many scalars on, one numpy call converts them faster than encode() one by one.
_BULK = 32


def _encode_each(items: list, scalars: bool) -> list:
    """[encode(v) for v in items]; many scalars (or None) in one numpy call (None becomes nan
    there, so it is put back with the non-finite values)."""
    arr = np.array(items, dtype=np.float64) if scalars and len(items) >= _BULK else None
    if arr is None or arr.shape != (len(items),):
        return list(map(encode, items))
    out = arr.tolist()
    finite = np.isfinite(arr)
    if not finite.all():
        for k in np.flatnonzero(~finite).tolist():
            out[k] = encode(items[k])
    return out


def _trace(out: Tensor, record) -> dict:
    order, steps = record.nodes(out), record.steps
    n = len(order)
    nid, first, eid = ids(order)
    ends = first[1:]
    # per edge, its source's position in `order`; nodes are numbered as they are created, so
    # when nothing else was created meanwhile, that position is the number less the first's
    base = order[0]._seq
    if order[-1]._seq - base == n - 1:
        src = [inp._seq - base for node in order for inp in node.inputs]
    else:
        index = {node._seq: i for i, node in enumerate(order)}
        src = [index[inp._seq] for node in order for inp in node.inputs]
    sources = list(map(nid.__getitem__, src))
    labels = [node.name or _TITLES[node.op] or label(node) for node in order]
    texs = [
        name_tex(node.name) if node.name else _TITLE_TEXS[node.op] or tex(node, lab)
        for node, lab in zip(order, labels)
    ]

    # -- numbers: gradients from the steps (and the leaves'), what each edge recorded ---------
    grads = [None] * n
    recorded = [_UNUSED[b - a] for a, b in zip(first, ends)]
    stepped = []
    for i, g, edge_records in steps:
        stepped.append(i)
        grads[i] = g
        recorded[i] = edge_records
    leaves = [i for i, node in enumerate(order) if not node.inputs]
    for i in leaves:
        grads[i] = record.grads.get(order[i]._seq)
    local, downstream, reductions = _columns(recorded)
    values = [node.value for node in order]
    scalar = len(set(map(type, values))) == 1 and type(values[0]) is np.float64
    grads = _encode_each(grads, scalar)
    if scalar:
        local = _encode_each(local, True)
    else:  # a local gradient is shown in its consumer's shape
        local = [
            None if v is None else encode(v, node.value.shape)
            for node, a, b in zip(order, first, ends)
            for v in local[a:b]
        ]
    downstream = _encode_each(downstream, scalar)

    nodes = [
        {
            "id": i,
            "op": node.op,
            "label": lab,
            "tex": tx,
            "name": node.name,
            "inputs": sources[a:b],
            "attrs": _attrs(node.attrs) if node.attrs else {},
            "shape": [] if scalar else [*node.value.shape],
            "value": value,
            "grad": grad,
            "requires_grad": node.requires_grad,
            "span": [*node.span] if node.span else None,
        }
        for i, node, lab, tx, a, b, value, grad in zip(
            nid, order, labels, texs, first, ends, _encode_each(values, scalar), grads
        )
    ]
    edges = [
        {
            "id": eid[e],
            "source": sources[e],
            "target": i,
            "index": k,
            "upstream": grad,
            "local": local[e],
            "local_formula": f,
            "local_formula_named": (
                f
                if how is None
                else _named(node.op, *[texs[j] for j in src[a:b]])[k]
                if how == _SUBSTITUTED
                else texs[src[a + how]]
            ),
            "downstream": downstream[e],
            "reduction": reductions[e],
        }
        for i, node, grad, a, b in zip(nid, order, grads, first, ends)
        for k, f, how in _EDGES[node.op]
        for e in (a + k,)
    ]
    steps = [
        {
            "node": nid[i],
            "op": order[i].op,
            "label": labels[i],
            "upstream": grads[i],
            "edges": eid[first[i] : ends[i]],
        }
        for i in stepped
    ]
    # fan-out: per node, the edges of its contributions in the order they arrived (as each
    # consumer is stepped); computed first, then made into dicts, for fewer cache misses
    fanned = sorted(
        (src[e[0]], e)
        for e in ([first[c] + k for c, k, _ in parts] for parts in record.contributions.values())
    )
    fanout = [
        {
            "node": nid[i],
            "contributions": [{"edge": eid[e], "value": downstream[e]} for e in es],
            "sum": grads[i],
        }
        for i, es in fanned
    ]
    gradients = {
        order[i].name: grads[i] for i in leaves if order[i].name and order[i].requires_grad
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


def _attrs(attrs: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in attrs.items()}
