"""Helpers for the engine's tests, independent of the code under test.

- REFERENCE: a plain numpy forward per op, written here from the textbook definition (not copied
  from engine/ops.py), so the numerical gradients do not trust the registry's forward.
- numeric_grad: central differences of sum(g * f(...)) one element at a time.
- sample: operands drawn from an op's declared domain, away from its kinks.
- check_trace: invariants every trace must satisfy (JSON, ids, downstream = upstream x local, ...).
"""

from __future__ import annotations

import json

import numpy as np

import engine

EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-7


# ---------------------------------------------------------------------------------------------
# Reference forwards (textbook definitions; small inputs only, so no stabilisation tricks)
# ---------------------------------------------------------------------------------------------
def _softmax(x, axis=-1):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


def _cross_entropy(x, t):
    p = _softmax(x, axis=1)
    rows = np.arange(x.shape[0])
    return -np.mean(np.log(p[rows, np.asarray(t, dtype=int)]))


REFERENCE = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "pow": lambda x, y: np.exp(y * np.log(x)),  # x > 0 on the sampled domain
    "neg": lambda x: 0.0 - x,
    "reciprocal": lambda x: 1.0 / x,
    "exp": lambda x: np.e**x,
    "log": np.log,
    "sqrt": lambda x: x**0.5,
    "abs": lambda x: np.where(x < 0, -x, x),
    "sin": np.sin,
    "cos": np.cos,
    "tanh": lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)),
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "relu": lambda x: np.where(x > 0, x, 0.0),
    "maximum": lambda x, y: np.where(x > y, x, y),
    "minimum": lambda x, y: np.where(x < y, x, y),
    "matmul": lambda x, y: np.matmul(x, y),
    "sum": lambda x, axis=None, keepdims=False: np.sum(x, axis=axis, keepdims=keepdims),
    "mean": lambda x, axis=None, keepdims=False: (
        np.sum(x, axis=axis, keepdims=keepdims)
        / (np.size(x) / max(np.size(np.sum(x, axis=axis)), 1))
    ),
    "max": lambda x, axis=None, keepdims=False: np.amax(x, axis=axis, keepdims=keepdims),
    "transpose": lambda x, axes=None: np.transpose(x, axes),
    "reshape": lambda x, shape: np.reshape(x, shape),
    "softmax": _softmax,
    "log_softmax": lambda x, axis=-1: np.log(_softmax(x, axis)),
    "logsumexp": lambda x, axis=None, keepdims=False: np.log(
        np.sum(np.exp(x), axis=axis, keepdims=keepdims)
    ),
    "mse": lambda p, t: np.mean((p - t) ** 2),
    "cross_entropy": _cross_entropy,
}


# ---------------------------------------------------------------------------------------------
# Central differences
# ---------------------------------------------------------------------------------------------
def numeric_grad(f, args: list, k: int, g, eps: float = EPS) -> np.ndarray:
    """d/d(args[k]) of sum(g * f(*args)), by central differences, one element at a time."""
    args = [np.array(a, dtype=np.float64) for a in args]
    x = args[k]
    out = np.zeros_like(x)
    for j in range(x.size):
        old = x.flat[j]
        x.flat[j] = old + eps
        hi = np.sum(g * f(*args))
        x.flat[j] = old - eps
        lo = np.sum(g * f(*args))
        x.flat[j] = old
        out.flat[j] = (hi - lo) / (2 * eps)
    return out


def assert_close(actual, expected, what: str, rtol: float = RTOL, atol: float = ATOL):
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


# ---------------------------------------------------------------------------------------------
# Sampling from an op's domain, away from kinks
# ---------------------------------------------------------------------------------------------
def sample(domain: str, shape: tuple, rng: np.random.Generator, classes: int = 4) -> np.ndarray:
    """An operand of this shape from the op's declared domain."""
    if domain == "real":
        return rng.uniform(-2.0, 2.0, size=shape)
    if domain == "positive":
        return rng.uniform(0.5, 2.0, size=shape)
    if domain == "nonzero":
        return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 2.0, size=shape)
    if domain == "class_index":
        return rng.integers(0, classes, size=shape).astype(np.float64)
    raise AssertionError(f"unknown domain {domain!r}: teach tests/engine/engine_cases.py")


def _top_gap(x, axis):
    """Smallest gap between the largest and the second largest along axis (inf if one element)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0:
        return np.inf
    if axis is None:
        x, axis = x.reshape(-1), 0
    if isinstance(axis, tuple):
        keep = [a for a in range(x.ndim) if a not in [b % x.ndim for b in axis]]
        x = np.transpose(x, keep + [a % x.ndim for a in axis])
        x = x.reshape(x.shape[: len(keep)] + (-1,))
        axis = -1
    if x.shape[axis] < 2:
        return np.inf
    s = np.sort(x, axis=axis)
    top = np.take(s, -1, axis=axis) - np.take(s, -2, axis=axis)
    return float(np.min(top))


# How far from its kink an op's operands are; every op the registry marks with a kink must be here.
DISTANCE_TO_KINK = {
    "relu": lambda x: float(np.min(np.abs(x))) if np.size(x) else np.inf,
    "abs": lambda x: float(np.min(np.abs(x))) if np.size(x) else np.inf,
    "maximum": lambda x, y: float(np.min(np.abs(np.subtract(x, y)))),
    "minimum": lambda x, y: float(np.min(np.abs(np.subtract(x, y)))),
    "max": lambda x, axis=None, keepdims=False: _top_gap(x, axis),
}


def sample_operands(op: engine.Op, shapes: tuple, attrs: dict, rng) -> list[np.ndarray]:
    """Operands for `op` with these shapes, resampled until at least 0.05 away from any kink."""
    classes = shapes[0][-1] if op.name == "cross_entropy" else 4
    for _ in range(1000):
        args = [sample(d, s, rng, classes) for d, s in zip(op.domain, shapes)]
        far = DISTANCE_TO_KINK.get(op.name)
        if far is None or far(*args, **attrs) > 0.05:
            return args
    raise AssertionError(f"could not sample {op.name} away from its kink")


# ---------------------------------------------------------------------------------------------
# Trace invariants
# ---------------------------------------------------------------------------------------------
def decoded(x):
    """A trace number (or nested list) as a float array, the three strings back to inf/nan."""
    return np.asarray(engine.decode(x), dtype=np.float64)


def expected_reduction(out_shape: tuple, in_shape: tuple) -> dict | None:
    """The record of summing a gradient of out_shape back to in_shape (numpy's broadcasting)."""
    lead = len(out_shape) - len(in_shape)
    axes = list(range(lead)) + [
        lead + i for i, n in enumerate(in_shape) if n == 1 and out_shape[lead + i] != 1
    ]
    if not axes:
        return None
    return {"axes": axes, "from_shape": list(out_shape), "to_shape": list(in_shape)}


def check_trace(tr: dict) -> None:
    """Invariants of every trace (docs/trace-format.md), whatever the expression."""
    text = json.dumps(tr, allow_nan=False)  # JSON-valid: no NaN/Infinity tokens, no numpy types
    assert json.loads(text) == tr

    nodes = {n["id"]: n for n in tr["nodes"]}
    ids = [n["id"] for n in tr["nodes"]]
    assert ids == [f"n{i}" for i in range(len(ids))]
    assert tr["forward"] == ids
    assert tr["output"] in nodes
    position = {nid: i for i, nid in enumerate(ids)}
    for n in tr["nodes"]:
        assert all(position[i] < position[n["id"]] for i in n["inputs"]), "not topological"
        if n["op"] in ("input", "const"):
            assert n["inputs"] == []
        else:
            assert n["op"] in engine.OPS
            assert len(n["inputs"]) == engine.OPS[n["op"]].arity
        assert list(decoded(n["value"]).shape) == n["shape"]
        if n["grad"] is not None:
            assert list(decoded(n["grad"]).shape) == n["shape"]

    # one edge per (consumer, input position), in forward order of the consumer
    expected_edges = [(n["id"], k, src) for n in tr["nodes"] for k, src in enumerate(n["inputs"])]
    assert [(e["target"], e["index"], e["source"]) for e in tr["edges"]] == expected_edges
    assert [e["id"] for e in tr["edges"]] == [f"e{i}" for i in range(len(tr["edges"]))]
    edges = {e["id"]: e for e in tr["edges"]}

    # each op node that needs a gradient: one step, visited after every consumer
    steps = tr["steps"]
    stepped = [s["node"] for s in steps]
    assert len(set(stepped)) == len(stepped)
    want = [n["id"] for n in tr["nodes"] if n["inputs"] and n["grad"] is not None]
    assert sorted(stepped) == sorted(want)
    visit = {nid: i for i, nid in enumerate(stepped)}
    for e in tr["edges"]:
        if e["source"] in visit and e["target"] in visit:
            assert visit[e["target"]] < visit[e["source"]], "a node stepped before its consumer"
    if steps:
        assert steps[0]["node"] == tr["output"]

    for s in steps:
        node = nodes[s["node"]]
        assert s["op"] == node["op"] and s["label"] == node["label"]
        assert_close(decoded(s["upstream"]), decoded(node["grad"]), f"step {s['node']} upstream")
        assert s["edges"] == [e["id"] for e in tr["edges"] if e["target"] == s["node"]]
        for eid in s["edges"]:
            e = edges[eid]
            assert e["upstream"] == s["upstream"]
            assert e["local_formula"] == engine.OPS[node["op"]].formulas[e["index"]]
            src = nodes[e["source"]]
            if src["grad"] is None:
                assert e["downstream"] is None
                continue
            if e["downstream"] is None:  # an input with no rule (class indices)
                assert engine.OPS[node["op"]].domain[e["index"]] == "class_index"
                continue
            down = decoded(e["downstream"])
            assert list(down.shape) == src["shape"]
            red = e["reduction"]
            if red is not None:  # a real reduction, from a larger shape to the source's
                assert red["to_shape"] == src["shape"]
                assert red == expected_reduction(tuple(red["from_shape"]), tuple(src["shape"]))
            if e["local"] is None:
                assert engine.OPS[node["op"]].kind == "vjp"
                continue
            # elementwise: the product has the consumer's shape, summed back to the source's
            assert red == expected_reduction(tuple(node["shape"]), tuple(src["shape"]))
            assert engine.OPS[node["op"]].kind == "elementwise"
            local = decoded(e["local"])
            assert list(local.shape) == node["shape"], "local has the consumer's shape"
            with np.errstate(invalid="ignore"):
                full = decoded(s["upstream"]) * local  # downstream = upstream x local ...
            if e["reduction"]:  # ... then summed over the broadcast axes
                full = full.sum(axis=tuple(e["reduction"]["axes"])).reshape(src["shape"])
            assert_close(down, full, f"edge {eid}: downstream = upstream x local")

    # a node's gradient is the sum of what its consumers sent (the multivariate chain rule)
    for nid, n in nodes.items():
        if n["grad"] is None or nid == tr["output"]:
            continue
        sent = [
            decoded(e["downstream"])
            for e in tr["edges"]
            if e["source"] == nid and e["downstream"] is not None
        ]
        if sent:
            assert_close(sum(sent), decoded(n["grad"]), f"{nid}: grad = sum of downstreams")

    # fan-out: every node with more than one outgoing edge that needs a gradient
    outgoing: dict = {}
    for e in tr["edges"]:
        if e["downstream"] is not None:
            outgoing.setdefault(e["source"], []).append(e["id"])
    fanned = {nid for nid, es in outgoing.items() if len(es) > 1}
    assert {f["node"] for f in tr["fanout"]} == fanned
    for f in tr["fanout"]:
        parts = f["contributions"]
        assert sorted(p["edge"] for p in parts) == sorted(outgoing[f["node"]])
        for p in parts:
            assert p["value"] == edges[p["edge"]]["downstream"]
        assert f["sum"] == nodes[f["node"]]["grad"]
        assert_close(sum(decoded(p["value"]) for p in parts), decoded(f["sum"]), "fan-out sum")

    named = {n["name"]: n["grad"] for n in tr["nodes"] if n["op"] == "input" and n["name"]}
    assert tr["gradients"] == named
