"""Kinks: relu'(0), abs'(0), ties in maximum/minimum and in max follow the documented conventions,
and gradcheck flags a central difference that straddles one (instead of calling it a bug)."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import OPS, Tensor

# (op, inputs, attrs, expected gradient per input, words the op's convention must contain)
CONVENTIONS = [
    ("relu", ([-1.0, 0.0, 2.0],), {}, ([0.0, 0.0, 1.0],), "relu'(0) = 0"),
    ("abs", ([-1.0, 0.0, 2.0],), {}, ([-1.0, 0.0, 1.0],), "abs'(0) = 0"),
    ("maximum", ([1.0, 2.0, 5.0], [1.0, 3.0, 4.0]), {}, ([0.5, 0.0, 1.0], [0.5, 1.0, 0.0]), "half"),
    ("minimum", ([1.0, 2.0, 5.0], [1.0, 3.0, 4.0]), {}, ([0.5, 1.0, 0.0], [0.5, 0.0, 1.0]), "half"),
    ("max", ([1.0, 3.0, 3.0],), {}, ([0.0, 0.5, 0.5],), "equally"),
    (
        "max",
        ([[2.0, 2.0, 2.0], [1.0, 4.0, 0.0]],),
        {"axis": 1},
        ([[1 / 3, 1 / 3, 1 / 3], [0.0, 1.0, 0.0]],),
        "equally",
    ),
    (
        "max",
        ([[2.0, 5.0], [2.0, 1.0]],),
        {"axis": 0, "keepdims": True},
        ([[0.5, 1.0], [0.5, 0.0]],),
        "equally",
    ),
]


@pytest.mark.parametrize(
    "name, inputs, attrs, grads, words",
    CONVENTIONS,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CONVENTIONS)],
)
def test_convention_at_kink(name, inputs, attrs, grads, words):
    assert words in OPS[name].convention
    leaves = [Tensor(v) for v in inputs]
    out = engine.apply(name, *leaves, **attrs)
    out.backward()
    for leaf, want in zip(leaves, grads):
        np.testing.assert_allclose(leaf.grad, want, rtol=0, atol=1e-15)

    report = engine.gradcheck(out)
    assert [k["op"] for k in report["kinks"]] == [name]
    assert OPS[name].convention in report["kinks"][0]["message"]
    assert all(r["kink"] for r in report["inputs"])
    assert report["ok"]  # a mismatch at a flagged kink is expected, not a failure


@pytest.mark.parametrize(
    "x, flagged", [(0.0, True), (1e-7, True), (-1e-7, True), (1e-3, False), (-0.5, False)]
)
def test_relu_kink_flagged_only_within_the_step(x, flagged):
    t = Tensor(x)
    out = engine.relu(t)
    out.backward()
    report = engine.gradcheck(out, eps=1e-6)
    assert bool(report["kinks"]) is flagged
    if not flagged:
        assert report["ok"] and all(r["ok"] for r in report["inputs"])


def test_relu_at_zero_numeric_is_the_average_of_both_sides():
    """What the flag protects against: at the kink the central difference is 1/2, not 0 or 1."""
    t = Tensor(0.0)
    out = engine.relu(t)
    out.backward()
    (row,) = engine.gradcheck(out)["inputs"]
    assert row["numeric"] == pytest.approx(0.5) and row["analytic"] == 0.0
    assert not row["ok"] and row["kink"]


def test_kink_inside_a_larger_graph_is_located():
    a, b = Tensor([1.0, -2.0]), Tensor([1.0, 3.0])
    out = (engine.maximum(a, b) * 2.0 + engine.sin(a)).sum()
    out.backward()
    report = engine.gradcheck(out)
    tr = engine.trace(out)
    (kink,) = report["kinks"]
    flagged = next(n for n in tr["nodes"] if n["id"] == kink["node"])
    assert flagged["op"] == "maximum"
    np.testing.assert_allclose(a.grad, [1.0 + np.cos(1.0), np.cos(-2.0)])
    np.testing.assert_allclose(b.grad, [1.0, 2.0])


def test_no_kink_reported_for_smooth_graphs():
    x = Tensor([0.0, 1.0])
    out = engine.tanh(x * x).sum()
    out.backward()
    assert engine.gradcheck(out)["kinks"] == []
