"""The trace: a backward pass as plain JSON-ready data (see docs/trace-format.md)."""

from __future__ import annotations

import math
import threading
from functools import lru_cache
from itertools import accumulate, chain, repeat

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
# A trace has two parts. Its layout (ids, labels, LaTeX, sources, formulas, the order of the steps
# and of the fan-out contributions) follows from the graph's structure alone; its numbers (values,
# gradients, locals, downstreams) from the run. Layouts of small graphs are kept, keyed by that
# structure, so the same expression run again with new inputs (each request of the page, a
# training loop) only reads its numbers. Big graphs are laid out each time.
#
# A 10,000-node trace is ~50,000 dicts; making them (and later freeing them) is most of its time.
# The rest is kept small: columns are made by C-level iteration (map, chain) where they can be,
# the records of the backward pass are read once, scalars are converted in one call.
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
_FORMULAS = _PerOp(lambda op: op.formulas, ())


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
    """[encode(v) for v in items]; scalars (or None) without a call per item: many in one numpy
    call (None becomes nan there, so it is put back with the non-finite values), a few with
    float()."""
    if not scalars:
        return list(map(encode, items))
    if len(items) < _BULK:
        out = [v if v is None else float(v) for v in items]
        for k, v in enumerate(out):
            if v is not None and v - v != 0.0:
                out[k] = NONFINITE_TO_JSON[repr(v)]
        return out
    arr = np.array(items, dtype=np.float64)
    if arr.shape != (len(items),):
        return list(map(encode, items))
    out = arr.tolist()
    finite = np.isfinite(arr)
    if not finite.all():
        for k in np.flatnonzero(~finite).tolist():
            out[k] = encode(items[k])
    return out


def _trace(out: Tensor, record) -> dict:
    order = record.nodes(out)
    src = _sources(order)
    key = _structure(order, src) if len(order) <= KEEP_LAYOUT_NODES else None
    layout = _LAYOUTS.get(key)
    if layout is None:
        layout = _Layout(order, record, src)
        if key is not None:
            _keep(key, layout)
    return layout.assemble(order, record)


def _sources(order: list[Tensor]) -> list[int]:
    """Per edge, its source's position in `order`. Nodes are numbered as they are created, so
    when nothing else was created meanwhile, that position is the number less the first's."""
    base = order[0]._seq
    if order[-1]._seq - base == len(order) - 1:
        return [inp._seq - base for node in order for inp in node.inputs]
    index = {node._seq: i for i, node in enumerate(order)}
    return [index[inp._seq] for node in order for inp in node.inputs]


#: Layouts are kept for graphs of up to this many nodes ...
KEEP_LAYOUT_NODES = 64
#: ... this many of them, the oldest dropped first (a few MB at most).
KEEP_LAYOUTS = 256
_LAYOUTS: dict[tuple, _Layout] = {}
_LAYOUTS_LOCK = threading.Lock()


def _keep(key: tuple, layout: _Layout) -> None:
    with _LAYOUTS_LOCK:
        if len(_LAYOUTS) >= KEEP_LAYOUTS:
            del _LAYOUTS[next(iter(_LAYOUTS))]
        _LAYOUTS[key] = layout


def _structure(order: list[Tensor], src: list[int]) -> tuple:
    """What a graph's layout depends on: per node its op, name, whether it needs a gradient and
    its shape, an unnamed scalar leaf's value (its label), then every edge's source (`src`; each
    op's arity is fixed, so the ops say which edges are whose). Spans and attrs are read from the
    nodes on each run."""
    key: list = []
    for node in order:
        value = node.value
        key += (node.op, node.name, node.requires_grad, value.shape)
        if not node.inputs and node.name is None and value.ndim == 0:
            key.append(float(value))
    key.append(tuple(src))
    return tuple(key)


class _Layout:
    """The structural part of a graph's trace, and `assemble`, which makes a trace of it with
    the numbers of one run. Read only once made: kept layouts are shared between threads."""

    def __init__(self, order: list[Tensor], record, src: list[int]) -> None:
        n = len(order)
        self.nid, self.first, self.eid = nid, first, eid = ids(order)
        self.ends = ends = first[1:]
        arities = [b - a for a, b in zip(first, ends)]
        self.sources = list(map(nid.__getitem__, src))
        self.labels = labels = [node.name or _TITLES[node.op] or label(node) for node in order]
        self.texs = texs = [
            name_tex(node.name) if node.name else _TITLE_TEXS[node.op] or tex(node, lab)
            for node, lab in zip(order, labels)
        ]
        ops = [node.op for node in order]
        # per edge: its consumer's position and id, its input position, its formula as written
        # in the registry and in the names of the consumer's inputs
        self.consumers = consumers = list(chain.from_iterable(map(repeat, range(n), arities)))
        self.targets = list(map(nid.__getitem__, consumers))
        self.index = list(chain.from_iterable(map(range, arities)))
        self.formulas = list(chain.from_iterable(map(_FORMULAS.__getitem__, ops)))
        self.named = [
            (
                f
                if how is None
                else _named(op, *[texs[j] for j in src[a:b]])[k]
                if how == _SUBSTITUTED
                else texs[src[a + how]]
            )
            for op, a, b in zip(ops, first, ends)
            for k, f, how in _EDGES[op]
        ]
        self.unused = [_UNUSED[arity] for arity in arities]
        self.stepped = [i for i, _, _ in record.steps]
        self.leaves = leaves = [i for i, arity in enumerate(arities) if not arity]
        self.gradients = [
            (order[i].name, i) for i in leaves if order[i].name and order[i].requires_grad
        ]
        # fan-out: per node, the edges of its contributions in the order they arrived (as each
        # consumer is stepped)
        self.fanned = sorted(
            (src[e[0]], e)
            for e in (
                [first[c] + k for c, k, _ in parts] for parts in record.contributions.values()
            )
        )

    def numbers(self, order: list[Tensor], record) -> tuple:
        """The run's numbers, encoded: per node its value and gradient, per edge its local
        gradient and downstream (and its broadcast reduction); whether all are scalars."""
        grads = [None] * len(order)
        recorded = self.unused[:]
        for i, g, edge_records in record.steps:
            grads[i] = g
            recorded[i] = edge_records
        for i in self.leaves:
            grads[i] = record.grads.get(order[i]._seq)
        local, downstream, reductions = _columns(recorded)
        values = [node.value for node in order]
        scalar = len(set(map(type, values))) == 1 and type(values[0]) is np.float64
        grads = _encode_each(grads, scalar)
        if scalar:
            local = _encode_each(local, True)
        else:  # a local gradient is shown in its consumer's shape
            local = [
                None if v is None else encode(v, order[c].value.shape)
                for c, v in zip(self.consumers, local)
            ]
        downstream = _encode_each(downstream, scalar)
        return _encode_each(values, scalar), grads, local, downstream, reductions, scalar

    def assemble(self, order: list[Tensor], record) -> dict:
        values, grads, local, downstream, reductions, scalar = self.numbers(order, record)
        nid, eid, first, ends, sources, labels = (
            self.nid,
            self.eid,
            self.first,
            self.ends,
            self.sources,
            self.labels,
        )
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
                nid, order, labels, self.texs, first, ends, values, grads
            )
        ]
        edges = [
            {
                "id": e,
                "source": source,
                "target": target,
                "index": k,
                "upstream": upstream,
                "local": loc,
                "local_formula": f,
                "local_formula_named": named,
                "downstream": down,
                "reduction": reduction,
            }
            for e, source, target, k, upstream, loc, f, named, down, reduction in zip(
                eid,
                sources,
                self.targets,
                self.index,
                map(grads.__getitem__, self.consumers),
                local,
                self.formulas,
                self.named,
                downstream,
                reductions,
            )
        ]
        steps = [
            {
                "node": nid[i],
                "op": order[i].op,
                "label": labels[i],
                "upstream": grads[i],
                "edges": eid[first[i] : ends[i]],
            }
            for i in self.stepped
        ]
        fanout = [
            {
                "node": nid[i],
                "contributions": [{"edge": eid[e], "value": downstream[e]} for e in es],
                "sum": grads[i],
            }
            for i, es in self.fanned
        ]
        return {
            "output": nid[-1],
            "nodes": nodes,
            "edges": edges,
            "forward": nid[:],
            "steps": steps,
            "fanout": fanout,
            "gradients": {name: grads[i] for name, i in self.gradients},
        }


def _attrs(attrs: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in attrs.items()}
