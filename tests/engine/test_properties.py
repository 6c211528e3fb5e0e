"""Property tests: random compositions of ops (small expression trees over three leaves) get the
gradients that central differences of a plain numpy evaluation of the same tree give."""

from __future__ import annotations

import numpy as np
from engine_cases import DISTANCE_TO_KINK, REFERENCE, check_trace, numeric_grad
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import engine
from engine import OPS, Tensor

LEAF_SHAPES = [(2, 3), (3,), ()]
UNARY = ["neg", "exp", "log", "sqrt", "reciprocal", "abs", "sin", "cos", "tanh", "sigmoid", "relu"]
BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "mse"]
# (op, attrs) pairs chosen so that shapes mostly still broadcast against the leaves
SHAPED = [
    ("sum", {}),
    ("sum", {"axis": 0}),
    ("sum", {"axis": -1, "keepdims": True}),
    ("mean", {}),
    ("mean", {"axis": 0}),
    ("max", {}),
    ("max", {"axis": -1, "keepdims": True}),
    ("logsumexp", {}),
    ("logsumexp", {"axis": 0}),
    ("softmax", {}),
    ("log_softmax", {}),
    ("transpose", {}),
    ("reshape", {"shape": (-1,)}),
]


def test_property_tables_cover_the_registry():
    """A new op shows up in the random compositions too (matmul and cross_entropy have fixed
    shapes and are exercised in tests/engine/test_op_gradients.py and the benchmark's MLPs)."""
    covered = set(UNARY) | set(BINARY) | {name for name, _ in SHAPED}
    assert set(OPS) - covered == {"matmul", "cross_entropy"}


leaf = st.integers(0, len(LEAF_SHAPES) - 1).map(lambda i: ("leaf", i))


def _extend(children):
    return st.one_of(
        st.tuples(st.just("op"), st.sampled_from(UNARY), st.just({}), children),
        st.tuples(st.just("op"), st.sampled_from(BINARY), st.just({}), children, children),
        st.sampled_from(SHAPED).flatmap(
            lambda pair: st.tuples(st.just("op"), st.just(pair[0]), st.just(pair[1]), children)
        ),
    )


trees = _extend(st.recursive(leaf, _extend, max_leaves=8))  # at least one op


def size(tree) -> int:
    return 0 if tree[0] == "leaf" else 1 + sum(size(c) for c in tree[3:])


class Numpy:
    """Evaluate a tree with the textbook forwards; remember how close any op came to a kink."""

    def __init__(self):
        self.kink_distance = np.inf

    def leaf(self, v):
        return v

    def positive(self, v):  # into (0.5, 1.5): inside every "positive" or "nonzero" domain
        return 1.0 / (1.0 + np.exp(-v)) + 0.5

    def op(self, name, args, attrs):
        far = DISTANCE_TO_KINK.get(name)
        if far is not None:
            self.kink_distance = min(self.kink_distance, far(*args, **attrs))
        return REFERENCE[name](*args, **attrs)


class Engine:
    def leaf(self, t):
        return t

    def positive(self, t):
        return engine.sigmoid(t) + 0.5

    def op(self, name, args, attrs):
        return engine.apply(name, *args, **attrs)


def evaluate(tree, ev, leaves):
    if tree[0] == "leaf":
        return ev.leaf(leaves[tree[1]])
    _, name, attrs, *children = tree
    args = [evaluate(c, ev, leaves) for c in children]
    args = [
        ev.positive(a) if d in ("positive", "nonzero") else a
        for a, d in zip(args, OPS[name].domain)
    ]
    return ev.op(name, args, attrs)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(tree=trees, seed=st.integers(0, 2**32 - 1))
def test_random_compositions_match_central_differences(tree, seed):
    rng = np.random.default_rng(seed)
    values = [rng.uniform(-2.0, 2.0, size=s) for s in LEAF_SHAPES]

    ref = Numpy()
    try:
        with np.errstate(all="ignore"):
            want = evaluate(tree, ref, values)
    except ValueError:  # shapes that do not combine: the engine must refuse them too
        try:
            evaluate(tree, Engine(), [Tensor(v) for v in values])
        except engine.EngineError:
            event("shapes refused")
            return
        raise AssertionError("numpy refused the shapes, the engine did not") from None
    assume(np.all(np.isfinite(want)) and np.max(np.abs(want), initial=0.0) < 1e6)
    assume(ref.kink_distance > 1e-3)
    event(f"ops in the tree: {size(tree)}")

    leaves = [Tensor(v, name=f"x{k}") for k, v in enumerate(values)]
    out = evaluate(tree, Engine(), leaves)
    np.testing.assert_allclose(out.data, want, rtol=1e-10, atol=1e-12)

    g = rng.normal(size=np.shape(want))
    out.backward(g)
    f = lambda *vs: evaluate(tree, Numpy(), list(vs))
    with np.errstate(all="ignore"):
        for k, leaf_ in enumerate(leaves):
            numeric = numeric_grad(f, values, k, g)
            got = np.zeros(leaf_.shape) if leaf_.grad is None else leaf_.grad
            scale = max(1.0, float(np.max(np.abs(numeric), initial=0.0)))
            np.testing.assert_allclose(
                got, numeric, rtol=1e-4, atol=1e-6 * scale, err_msg=f"d/dx{k} of {tree}"
            )

    report = engine.gradcheck(out)
    assume(not report["kinks"])  # a kink closer than our margin, after rounding: skip
    assert report["ok"], [r for r in report["inputs"] + report["edges"] if not r["ok"]]

    first = engine.trace(out)
    check_trace(first)
    out.backward(g)  # a second pass recomputes the same numbers
    assert engine.trace(out) == first
