"""Forward mode: every op's tangent against central differences (the same cases as the gradient
tests, and the broadcasting sweep), the registry's completeness, and the property that forward
mode's output tangent is reverse mode's gradient dotted with the direction."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from engine_cases import REFERENCE, assert_close, sample_operands
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_op_gradients import broadcast_cases, op_cases
from test_properties import LEAF_SHAPES, Engine, Numpy, evaluate, trees

import engine
from engine import OPS, Tensor

EPS = 1e-6


def directional_difference(f, args: list, directions: list, eps: float = EPS) -> np.ndarray:
    """(f(args + eps d) - f(args - eps d)) / 2 eps: the derivative of f along d."""
    hi = f(*[a + eps * d for a, d in zip(args, directions)])
    lo = f(*[a - eps * d for a, d in zip(args, directions)])
    return (np.asarray(hi) - np.asarray(lo)) / (2 * eps)


def test_every_op_has_a_forward_mode_rule():
    """Elementwise ops derive theirs from `local`; every other op has a jvp rule per input,
    None exactly where its vjp is None (class indices)."""
    missing = []
    for name, op in OPS.items():
        if op.kind == "elementwise":
            continue
        if op.jvp is None or len(op.jvp) != op.arity:
            missing.append(name)
            continue
        for k, (vjp, jvp) in enumerate(zip(op.vjp, op.jvp)):
            if (vjp is None) != (jvp is None):
                missing.append(f"{name} input {k}")
    assert missing == []


def check_tangent(name: str, shapes: tuple, attrs: dict, seed_text: str) -> None:
    op = OPS[name]
    rng = np.random.default_rng(zlib.crc32(seed_text.encode()))
    args = sample_operands(op, shapes, attrs, rng)
    differentiable = [d != "class_index" for d in op.domain]
    leaves = [Tensor(a) if ok else engine.constant(a) for a, ok in zip(args, differentiable)]
    directions = [rng.normal(size=np.shape(a)) if ok else np.zeros(np.shape(a))
                  for a, ok in zip(args, differentiable)]  # fmt: skip
    out = engine.apply(name, *leaves, **attrs)
    record = engine.forward_tangents(
        out, {leaf: d for leaf, d, ok in zip(leaves, directions, differentiable) if ok}
    )
    ref = lambda *xs: REFERENCE[name](*xs, **attrs)
    want = directional_difference(ref, args, directions)
    got = record.tangent(out)
    assert np.shape(got) == out.shape
    assert_close(got, want, f"{name} tangent", rtol=1e-5, atol=1e-7)
    # one input at a time: each edge's share is that input's part of the tangent
    for k, ok in enumerate(differentiable):
        if not ok:
            continue
        alone = [d if j == k else np.zeros_like(d) for j, d in enumerate(directions)]
        share = record.shares[out._seq][k]
        assert_close(share, directional_difference(ref, args, alone), f"{name} share {k}")


@pytest.mark.parametrize("name, shapes, attrs", op_cases())
def test_op_tangent(name, shapes, attrs):
    check_tangent(name, shapes, attrs, f"jvp{name}{shapes}{attrs}")


@pytest.mark.parametrize("name, shapes", broadcast_cases())
def test_binary_op_tangent_under_broadcasting(name, shapes):
    check_tangent(name, shapes, {}, f"jvpbc{name}{shapes}")


@pytest.mark.parametrize(
    "build, primals, tangents, value, tangent",
    [
        (lambda z: 1 / (1 + engine.exp(-z)), [0.0], [1.0], 0.5, 0.25),  # the post's sigmoid
        (lambda x, y: x * y, [3.0, 4.0], [1.0, 0.0], 12.0, 4.0),
        (lambda x, y: x * y, [3.0, 4.0], [0.0, 1.0], 12.0, 3.0),
        (lambda x, y: x * y, [3.0, 4.0], [1.0, 1.0], 12.0, 7.0),
        (lambda w, x, b: (w * x + b - 9) ** 2, [3.0, 2.0, 1.0], [1.0, 0.0, 0.0], 4.0, -8.0),
        (lambda w, x, b: (w * x + b - 9) ** 2, [3.0, 2.0, 1.0], [0.0, 0.0, 1.0], 4.0, -4.0),
    ],
)
def test_jvp_by_hand(build, primals, tangents, value, tangent):
    out, t = engine.jvp(build, primals, tangents)
    assert float(out.data) == pytest.approx(value)
    assert float(t) == pytest.approx(tangent)


def test_zero_tangents_send_nothing_so_no_nan_appears():
    """log(x) at x = 0 has local gradient inf; with x out of the direction its tangent is 0."""
    x, y = Tensor(0.0, name="x"), Tensor(2.0, name="y")
    with np.errstate(all="ignore"):
        out = engine.log(x) * 0 + y * 3
    record = engine.forward_tangents(out, {y: 1.0})
    assert float(record.tangent(out)) == 3.0


def test_a_tangent_broadcasts_to_its_input_or_is_refused():
    x = Tensor(np.ones((2, 3)), name="x")
    out = engine.sum(x * x)
    assert float(engine.forward_tangents(out, {x: 1.0}).tangent(out)) == 12.0
    with pytest.raises(engine.ArgumentError, match=r"tangent of x has shape \[4\]"):
        engine.forward_tangents(out, {x: np.ones(4)})


def test_the_trace_carries_tangents_only_when_asked():
    w, b = Tensor(3.0, name="w"), Tensor(1.0, name="b")
    loss = (w * 2.0 + b - 9) ** 2
    loss.backward()
    plain = engine.trace(loss)
    assert "tangent" not in plain and "tangent" not in plain["nodes"][0]
    tr = engine.trace(loss, engine.forward_tangents(loss, {w: 1.0}))
    assert tr["tangent"] == -8.0 == tr["gradients"]["w"]
    by_label = {n["label"]: n["tangent"] for n in tr["nodes"]}
    assert by_label["w"] == 1.0 and by_label["b"] == 0.0
    # each edge's tangent is its local gradient times its source's tangent (a constant's: 0)
    nodes = {n["id"]: n for n in tr["nodes"]}
    for e in tr["edges"]:
        if e["local"] is None:
            assert e["tangent"] == 0.0 and nodes[e["source"]]["op"] == "const"
            continue
        assert e["tangent"] == pytest.approx(e["local"] * nodes[e["source"]]["tangent"])
    for n in tr["nodes"]:
        ins = [e["tangent"] for e in tr["edges"] if e["target"] == n["id"]]
        if ins:
            assert n["tangent"] == pytest.approx(sum(ins))


def test_class_index_edges_have_no_tangent():
    logits = Tensor(np.array([[1.0, 2.0, 0.5]]), name="x")
    out = engine.cross_entropy(logits, [1.0])
    out.backward()
    tr = engine.trace(out, engine.forward_tangents(out, {logits: np.ones((1, 3))}))
    assert [e["tangent"] for e in tr["edges"]][1] is None
    assert tr["tangent"] == pytest.approx(0.0, abs=1e-12)  # softmax - onehot sums to 0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees, seed=st.integers(0, 2**32 - 1))
def test_forward_tangent_is_the_gradient_dotted_with_the_direction(tree, seed):
    """<dL/dx, v> from one backward pass == dL along v from one forward pass (L = sum(g*out))."""
    rng = np.random.default_rng(seed)
    values = [rng.uniform(-2.0, 2.0, size=s) for s in LEAF_SHAPES]
    leaves = [Tensor(v, name=f"x{k}") for k, v in enumerate(values)]
    try:
        with np.errstate(all="ignore"):
            evaluate(tree, Numpy(), values)
            out = evaluate(tree, Engine(), leaves)
    except (ValueError, engine.EngineError):
        return  # shapes that do not combine (tests/engine/test_properties.py covers these)
    assume(np.all(np.isfinite(out.data)) and np.max(np.abs(out.data), initial=0.0) < 1e6)
    g = rng.normal(size=out.shape)
    loss = engine.sum(out * g)
    directions = [rng.normal(size=s) for s in LEAF_SHAPES]
    with np.errstate(all="ignore"):
        loss.backward()
        record = engine.forward_tangents(loss, dict(zip(leaves, directions)))
    reverse = sum(
        float(np.sum((np.zeros(leaf.shape) if leaf.grad is None else leaf.grad) * d))
        for leaf, d in zip(leaves, directions)
    )
    forward = float(record.tangent(loss))
    assume(np.isfinite(reverse) and np.isfinite(forward))
    assert forward == pytest.approx(reverse, rel=1e-9, abs=1e-9)
