"""Every op against central differences on its valid domain: several shapes, its examples, and a
broadcasting sweep over shape pairs for every binary elementwise op.

Two checks per case, so neither the engine's forward nor its checker is trusted alone:
- our own central differences of a textbook numpy forward (tests/engine/engine_cases.py);
- `engine.gradcheck`, which must agree that every leaf and every edge is right, with no kink.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from engine_cases import (
    REFERENCE,
    assert_close,
    check_trace,
    expected_reduction,
    numeric_grad,
    sample_operands,
)

import engine
from engine import OPS, Tensor

DEFAULT_SHAPES = [(), (4,), (3, 4)]
BROADCAST_SHAPES = [(), (4,), (3, 4), (1, 4), (3, 1), (2, 1, 4)]

# Cases beyond each op's own `examples`: negative axes, tuples of axes, 3-d, batched matmul.
EXTRA_CASES = [
    ("transpose", ((2, 3, 4),), {"axes": (-1, 0, 1)}),
    ("transpose", ((3, 4),), {"axes": (-1, -2)}),
    ("transpose", ((4,),), {}),
    ("sum", ((2, 3, 4),), {"axis": -1}),
    ("sum", ((2, 3, 4),), {"axis": (0, -1), "keepdims": True}),
    ("sum", ((),), {"axis": 0}),
    ("mean", ((2, 3, 4),), {"axis": (1, 2)}),
    ("mean", ((2, 3, 4),), {"axis": -2, "keepdims": True}),
    ("max", ((2, 3, 4),), {"axis": -1, "keepdims": True}),
    ("max", ((2, 3, 4),), {"axis": (0, 2)}),
    ("logsumexp", ((2, 3, 4),), {"axis": (0, 1)}),
    ("logsumexp", ((2, 3, 4),), {"axis": -1, "keepdims": True}),
    ("reshape", ((2, 3, 4),), {"shape": (4, -1)}),
    ("reshape", ((),), {"shape": (1, 1)}),
    ("reshape", ((1, 1),), {"shape": ()}),
    ("softmax", ((2, 3, 4),), {"axis": -2}),
    ("log_softmax", ((2, 3, 4),), {"axis": 1}),
    ("matmul", ((4,), (2, 4, 3)), {}),
    ("matmul", ((2, 3, 4), (4,)), {}),
    ("matmul", ((3, 4), (2, 4, 5)), {}),
    ("matmul", ((1, 4), (4, 1)), {}),
    ("mse", ((), (3,)), {}),
    ("mse", ((3, 1), (1, 2)), {}),
    ("cross_entropy", ((1, 5), (1,)), {}),
]


def _example(op, ex) -> tuple[tuple, dict]:
    """An entry of op.examples as (operand shapes, attrs): shapes, then optionally a dict."""
    if ex and isinstance(ex[-1], dict):
        return tuple(tuple(s) for s in ex[:-1]), dict(ex[-1])
    return tuple(tuple(s) for s in ex), {}


def op_cases() -> list:
    cases = []
    for name, op in OPS.items():
        if op.arity == 1:
            shapes = [((s,), {}) for s in DEFAULT_SHAPES]
        elif op.kind == "elementwise":
            shapes = [((s, s), {}) for s in DEFAULT_SHAPES]
        else:
            shapes = []
        shapes += [_example(op, ex) for ex in op.examples]
        shapes += [(s, a) for n, s, a in EXTRA_CASES if n == name]
        for operand_shapes, attrs in shapes:
            try:
                engine.infer_shape(name, *operand_shapes, **attrs)
            except engine.EngineError:
                continue  # e.g. softmax of a scalar; tests/engine/test_shapes.py covers refusals
            cases.append(
                pytest.param(
                    name,
                    operand_shapes,
                    attrs,
                    id=f"{name}-{operand_shapes}-{attrs}".replace(" ", ""),
                )
            )
    return cases


def test_every_op_has_cases():
    covered = {c.values[0] for c in op_cases()}
    assert covered == set(OPS)


def check_op(name: str, shapes: tuple, attrs: dict, seed_text: str) -> None:
    """Forward against the textbook forward, gradients against central differences of it."""
    op = OPS[name]
    rng = np.random.default_rng(zlib.crc32(seed_text.encode()))
    args = sample_operands(op, shapes, attrs, rng)
    leaves = [
        engine.constant(a) if d == "class_index" else Tensor(a, name=f"x{k}")
        for k, (a, d) in enumerate(zip(args, op.domain))
    ]
    out = engine.apply(name, *leaves, **attrs)
    ref = lambda *xs: REFERENCE[name](*xs, **attrs)
    assert out.shape == engine.infer_shape(name, *shapes, **attrs)
    assert_close(out.data, ref(*args), f"{name} forward", rtol=1e-12, atol=1e-12)

    g = rng.normal(size=out.shape)  # a random upstream catches transposed or summed-wrong rules
    out.backward(g)
    for k, (leaf, domain) in enumerate(zip(leaves, op.domain)):
        if domain == "class_index":
            continue
        assert leaf.grad is not None and leaf.grad.shape == leaf.shape
        assert_close(leaf.grad, numeric_grad(ref, args, k, g), f"{name} d/d input {k}")

    report = engine.gradcheck(out)
    assert report["kinks"] == []
    bad = [r for r in report["inputs"] + report["edges"] if not r["ok"]]
    assert report["ok"] and not bad, bad
    tr = engine.trace(out)
    check_trace(tr)
    return tr


@pytest.mark.parametrize("name, shapes, attrs", op_cases())
def test_op_gradient(name, shapes, attrs):
    check_op(name, shapes, attrs, f"{name}{shapes}{attrs}")


def broadcast_cases() -> list:
    binary = [n for n, op in OPS.items() if op.arity == 2 and op.kind == "elementwise"]
    return [
        pytest.param(n, (a, b), id=f"{n}-{a}-{b}".replace(" ", ""))
        for n in binary
        for a in BROADCAST_SHAPES
        for b in BROADCAST_SHAPES
    ]


@pytest.mark.parametrize("name, shapes", broadcast_cases())
def test_binary_op_under_broadcasting(name, shapes):
    tr = check_op(name, shapes, {}, f"bc{name}{shapes}")
    out_shape = tuple(np.broadcast_shapes(*shapes))
    for e, shape in zip(tr["edges"], shapes):
        assert e["reduction"] == expected_reduction(out_shape, shape)


# Written out by hand, so the generic helper above is checked too.
@pytest.mark.parametrize(
    "shapes, reductions",
    [
        (((3, 4), (4,)), [None, {"axes": [0], "from_shape": [3, 4], "to_shape": [4]}]),
        (
            ((3, 1), (1, 4)),
            [
                {"axes": [1], "from_shape": [3, 4], "to_shape": [3, 1]},
                {"axes": [0], "from_shape": [3, 4], "to_shape": [1, 4]},
            ],
        ),
        (((), (3, 4)), [{"axes": [0, 1], "from_shape": [3, 4], "to_shape": []}, None]),
        (
            ((2, 1, 4), (3, 1)),
            [
                {"axes": [1], "from_shape": [2, 3, 4], "to_shape": [2, 1, 4]},
                {"axes": [0, 2], "from_shape": [2, 3, 4], "to_shape": [3, 1]},
            ],
        ),
        (((1, 4), (1, 4)), [None, None]),
    ],
)
def test_recorded_reductions_by_hand(shapes, reductions):
    x, y = Tensor(np.ones(shapes[0])), Tensor(np.full(shapes[1], 2.0))
    out = x * y
    out.backward()
    tr = engine.trace(out)
    assert [e["reduction"] for e in tr["edges"]] == reductions
    n = np.prod(np.broadcast_shapes(*shapes)) / max(np.prod(shapes[0]), 1)
    np.testing.assert_array_equal(x.grad, np.full(shapes[0], 2.0 * n))


def test_incompatible_shapes_are_a_shape_error():
    with pytest.raises(engine.ShapeError, match=r"\[3\].*\[4\]"):
        Tensor(np.ones(3)) + Tensor(np.ones(4))


# ---------------------------------------------------------------------------------------------
# pow with a constant exponent or base; negative bases with integer exponents
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "x, build, value, grad",
    [
        (-3.0, lambda x: x**2, 9.0, -6.0),
        (-2.0, lambda x: x**3, -8.0, 12.0),
        (4.0, lambda x: x**0.5, 2.0, 0.25),
        (2.0, lambda x: x**-1, 0.5, -0.25),
        (3.0, lambda x: 2.0**x, 8.0, 8.0 * np.log(2.0)),
        (0.0, lambda x: x**2, 0.0, 0.0),
    ],
)
def test_pow_with_constants(x, build, value, grad):
    t = Tensor(x, name="x")
    y = build(t)
    y.backward()
    assert float(y.data) == pytest.approx(value)
    assert float(t.grad) == pytest.approx(grad)
    tr = engine.trace(y)
    check_trace(tr)
    assert list(tr["gradients"]) == ["x"]  # the constant gets no gradient


# ---------------------------------------------------------------------------------------------
# Losses by hand
# ---------------------------------------------------------------------------------------------
def test_cross_entropy_known_answer():
    logits = Tensor(np.zeros((2, 3)))
    loss = engine.cross_entropy(logits, engine.constant([0, 2]))
    loss.backward()
    assert float(loss.data) == pytest.approx(np.log(3.0))
    onehot = np.array([[1.0, 0, 0], [0, 0, 1.0]])
    np.testing.assert_allclose(logits.grad, (1 / 3 - onehot) / 2)


def test_cross_entropy_is_stable_for_large_logits():
    logits = Tensor([[1000.0, 0.0], [0.0, -1000.0]])
    loss = engine.cross_entropy(logits, engine.constant([1, 0]))
    loss.backward()
    assert float(loss.data) == pytest.approx(500.0)
    np.testing.assert_allclose(logits.grad, [[0.5, -0.5], [0.0, 0.0]], atol=1e-12)


@pytest.mark.parametrize("targets", [[0.5, 1.0], [0, 3], [-1, 0]])
def test_cross_entropy_refuses_bad_targets(targets):
    with pytest.raises(engine.DomainError):
        engine.cross_entropy(Tensor(np.zeros((2, 3))), engine.constant(targets))


def test_mse_known_answer():
    pred = Tensor([1.0, 2.0])
    loss = engine.mse(pred, engine.constant([0.0, 0.0]))
    loss.backward()
    assert float(loss.data) == 2.5
    np.testing.assert_array_equal(pred.grad, [1.0, 2.0])


def test_softmax_family_is_stable_for_large_inputs():
    x = Tensor([1000.0, 1000.0, -1000.0])
    for f, want in [
        (engine.softmax, [0.5, 0.5, 0.0]),
        (engine.log_softmax, [-np.log(2), -np.log(2), -2000 - np.log(2)]),
    ]:
        y = f(x)
        np.testing.assert_allclose(y.data, want, atol=1e-12)
    y = engine.logsumexp(x)
    y.backward()
    assert float(y.data) == pytest.approx(1000 + np.log(2))
    np.testing.assert_allclose(x.grad, [0.5, 0.5, 0.0], atol=1e-12)


# ---------------------------------------------------------------------------------------------
# The checks above can fail: a wrong rule is caught by both
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, field, rules",
    [
        ("sin", "local", (lambda ans, x: -np.cos(x),)),
        ("mul", "local", (lambda ans, x, y: y, lambda ans, x, y: y)),
        ("sum", "vjp", (lambda g, ans, x, axis=None, keepdims=False: np.zeros_like(x),)),
    ],
)
def test_a_wrong_rule_is_caught(monkeypatch, name, field, rules):
    import dataclasses

    monkeypatch.setitem(OPS, name, dataclasses.replace(OPS[name], **{field: rules}))
    shapes = ((3, 4),) * OPS[name].arity
    with pytest.raises(AssertionError):
        check_op(name, shapes, {}, "wrong")
    x = [Tensor(np.full((3, 4), 0.7 + 0.4 * k)) for k in range(OPS[name].arity)]
    out = engine.apply(name, *x)
    out.backward()
    assert not engine.gradcheck(out)["ok"]
