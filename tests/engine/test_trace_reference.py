"""engine.trace is written for speed; here a plain version of the same format, node by node and
edge by edge, must give exactly the same JSON (keys, their order, values) on a table of graphs
that takes every path of the fast one: scalar and tensor graphs, constants, non-finite numbers,
broadcasting, a custom seed, nodes created out of order, a lone leaf, big graphs."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from engine_cases import check_trace

import engine
from engine import OPS, Tensor
from engine.latex import substitute
from engine.trace import encode, ids, label, tex


def reference_trace(out: Tensor) -> dict:
    """docs/trace-format.md, one field at a time."""
    record = out._record
    order = record.nodes(out)
    node_ids, first, edge_ids = ids(order)
    nid = {node._seq: node_ids[i] for i, node in enumerate(order)}
    position = {node._seq: i for i, node in enumerate(order)}
    labels = [label(node) for node in order]
    texs = [tex(node, lab) for node, lab in zip(order, labels)]
    grad = {key: encode(g) for key, g in record.grads.items()}
    nodes = [
        {
            "id": nid[node._seq],
            "op": node.op,
            "label": labels[i],
            "tex": texs[i],
            "name": node.name,
            "inputs": [nid[inp._seq] for inp in node.inputs],
            "attrs": {k: list(v) if isinstance(v, tuple) else v for k, v in node.attrs.items()},
            "shape": list(np.shape(node.value)),
            "value": encode(node.value),
            "grad": grad.get(node._seq),
            "requires_grad": node.requires_grad,
            "span": list(node.span) if node.span else None,
        }
        for i, node in enumerate(order)
    ]
    stepped = {i: edge_records for i, _, edge_records in record.steps}
    edges = []
    for i, node in enumerate(order):
        records = stepped.get(i, [(None, None, None)] * len(node.inputs))
        input_texs = [texs[position[inp._seq]] for inp in node.inputs]
        for k, (inp, (local, down, reduction)) in enumerate(zip(node.inputs, records)):
            formula = OPS[node.op].formulas[k]
            edges.append(
                {
                    "id": edge_ids[first[i] + k],
                    "source": nid[inp._seq],
                    "target": nid[node._seq],
                    "index": k,
                    "upstream": grad.get(node._seq) if i in stepped else None,
                    "local": None if local is None else encode(local, np.shape(node.value)),
                    "local_formula": formula,
                    "local_formula_named": substitute(formula, *input_texs),
                    "downstream": None if down is None else encode(down),
                    "reduction": reduction,
                }
            )
    steps = [
        {
            "node": node_ids[i],
            "op": order[i].op,
            "label": labels[i],
            "upstream": grad[order[i]._seq],
            "edges": edge_ids[first[i] : first[i + 1]],
        }
        for i, _, _ in record.steps
    ]
    fanout = [
        {
            "node": nid[key],
            "contributions": [
                {"edge": edge_ids[first[c] + k], "value": encode(d)} for c, k, d in parts
            ],
            "sum": grad[key],
        }
        for key, parts in sorted(record.contributions.items(), key=lambda kv: position[kv[0]])
    ]
    gradients = {
        node.name: grad[node._seq]
        for node in order
        if not node.inputs and node.name and node.requires_grad
    }
    return {
        "output": node_ids[-1],
        "nodes": nodes,
        "edges": edges,
        "forward": node_ids,
        "steps": steps,
        "fanout": fanout,
        "gradients": gradients,
    }


def scalar_chain(n: int, stray: bool = False) -> Tensor:
    """x = x * w + b over a few named leaves (heavy fan-out); `stray` creates an unrelated tensor
    in the middle, so the graph's nodes are not numbered one after another."""
    p = [Tensor(v, name=f"p{k}") for k, v in enumerate(np.linspace(-0.9, 0.9, 5))]
    x = p[0]
    for i in range(n):
        if stray and i == n // 2:
            Tensor(1.0)
        x = x * p[i % 5] + p[(i + 2) % 5]
    return x


def post_sigmoid():
    z = Tensor(0.0, name="z")
    return 1 / (1 + engine.exp(-z))


def w1x_plus_w2x():
    w1, w2, x = Tensor(2.0, name="w1"), Tensor(3.0, name="w2"), Tensor(0.0, name="x")
    h = w1 * x
    h.name = "h"
    return h + w2 * x


def mlp():
    x = engine.constant(np.arange(6.0).reshape(2, 3) / 6, name="X")
    w = Tensor(np.linspace(-1, 1, 12).reshape(3, 4), name="W1")
    b = Tensor(np.zeros(4) + 0.1, name="b1")
    z = engine.relu(x @ w + b)
    z.span = (1, 0, 1, 5)
    return engine.cross_entropy(z, engine.constant([0.0, 3.0]))


def non_finite():
    a = Tensor(np.array([1.0, -1.0, 0.0]), name="a")
    return engine.sum(engine.log(a) * engine.sqrt(a) + engine.constant(np.inf))


def scalar_non_finite():
    s = Tensor(1.0, name="s")
    t = Tensor(0.0, name="t")
    return (s * 1e308 * 10) - (s * 1e308 * 10) + engine.log(t) * 2.0


def many_scalars_non_finite():
    """Enough scalars to be converted in bulk, with constants (no gradient) and inf, nan."""
    x = scalar_chain(20)
    t = Tensor(0.0, name="t")
    return x * 1e308 * 10 - x * 1e308 * 10 + engine.log(t) * 2.0


def constants_only_branch():
    c = engine.constant(2.0)
    return engine.exp(c) * Tensor(1.5, name="q") + engine.exp(c * c)


def reductions_and_reshapes():
    p = Tensor(np.arange(6.0).reshape(2, 3), name="P")
    return engine.max(engine.softmax(p, 0).T.reshape(3, 2), 1, True).mean()


def a_lone_leaf():
    return Tensor(2.5, name="only")


GRAPHS = {
    "post sigmoid": (post_sigmoid, None),
    "w1*x + w2*x": (w1x_plus_w2x, None),
    "mlp": (mlp, None),
    "non-finite tensors": (non_finite, None),
    "non-finite scalars": (scalar_non_finite, None),
    "many non-finite scalars, constants": (many_scalars_non_finite, None),
    "constants-only branch": (constants_only_branch, None),
    "reductions": (reductions_and_reshapes, None),
    "a lone leaf": (a_lone_leaf, None),
    "seed": (lambda: Tensor([1.0, 2.0], name="v") * Tensor([3.0, -1.0]), [2.0, np.nan]),
    "scalar chain": (lambda: scalar_chain(50), None),
    "nodes not numbered one after another": (lambda: scalar_chain(50, stray=True), None),
    "big scalar chain": (lambda: scalar_chain(1_500), None),
}


@pytest.mark.parametrize("name", GRAPHS)
def test_trace_equals_the_plain_reference(name):
    build, seed = GRAPHS[name]
    with np.errstate(all="ignore"):
        out = build()
        out.backward(seed)
    fast, plain = engine.trace(out), reference_trace(out)
    assert json.dumps(fast) == json.dumps(plain)  # the same keys in the same order, same values
    check_trace(fast)


def test_trace_numbers_are_plain_python():
    out = scalar_chain(30)
    out.backward()
    kinds = set()

    def walk(x):
        kinds.add(type(x))
        for v in x.values() if isinstance(x, dict) else x if isinstance(x, list) else ():
            walk(v)

    walk(engine.trace(out))
    assert kinds <= {dict, list, str, int, float, bool, type(None)}


# -- layouts kept for small graphs: the same structure again takes only its new numbers ----------
def sigmoid_at(z: float) -> Tensor:
    zt = Tensor(z, name="z")
    out = 1 / (1 + engine.exp(-zt))
    with np.errstate(all="ignore"):
        out.backward()
    return out


def test_a_kept_layout_takes_each_runs_numbers():
    for z in (0.0, 1.5, -800.0, np.inf, np.nan):  # the last three give non-finite numbers
        out = sigmoid_at(z)
        assert json.dumps(engine.trace(out)) == json.dumps(reference_trace(out)), z


def _variants():
    """Graphs of the same ops that differ in one thing a trace shows."""
    x, y = Tensor(2.0, name="x"), Tensor(3.0, name="y")
    yield x * y
    yield y * x  # the inputs in the other order
    yield Tensor(2.0, name="a") * y  # another name
    yield Tensor(2.0) * y  # an unnamed leaf: its label is its value ...
    yield Tensor(5.0) * y  # ... so another value is another label
    yield engine.constant(2.0) * y  # a constant: no gradient, no step
    yield Tensor([2.0, 1.0], name="x") * y  # another shape
    spanned = x * y
    spanned.span = (1, 0, 1, 5)  # a span (the service sets them)
    yield spanned
    named = x * y
    named.name = "h"  # named after it was made (`h = x*y`)
    yield named
    yield engine.sum(Tensor([[1.0, 2.0]], name="m"), axis=0)  # attrs ...
    yield engine.sum(Tensor([[1.0, 2.0]], name="m"), axis=1)  # ... another value
    yield scalar_chain(3)
    yield scalar_chain(3, stray=True)  # not numbered one after another


def test_layouts_differ_wherever_the_trace_would():
    for _ in range(2):  # the second round reads the layouts the first one kept
        for out in _variants():
            out.backward()
            assert json.dumps(engine.trace(out)) == json.dumps(reference_trace(out))


def test_traces_from_one_layout_share_nothing_mutable():
    first, second = engine.trace(sigmoid_at(0.0)), engine.trace(sigmoid_at(1.0))
    before = json.dumps(second)
    first["forward"].append("n99")
    first["nodes"][-1]["inputs"].append("n99")
    first["nodes"][1]["span"] = [9, 9, 9, 9]
    first["steps"][0]["edges"].append("e99")
    first["gradients"]["z"] = 7.0
    assert json.dumps(second) == before


def test_only_small_graphs_keep_a_layout(monkeypatch):
    trace_module = sys.modules["engine.trace"]
    monkeypatch.setattr(trace_module, "_LAYOUTS", {})
    big = scalar_chain(trace_module.KEEP_LAYOUT_NODES)  # more nodes than that
    big.backward()
    engine.trace(big)
    assert trace_module._LAYOUTS == {}
    monkeypatch.setattr(trace_module, "KEEP_LAYOUTS", 2)
    for n in (1, 2, 3):
        small = scalar_chain(n)
        small.backward()
        engine.trace(small)
    assert len(trace_module._LAYOUTS) == 2  # the oldest was dropped
