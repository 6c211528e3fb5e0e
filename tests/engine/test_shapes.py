"""Shape rules: `infer_shape` agrees with what the forward pass produces, and refuses (with an
EngineError) exactly what the forward pass cannot compute."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine import OPS, Tensor

REFUSED = [
    ("add", ((3,), (4,)), {}),
    ("maximum", ((2, 3), (3, 2)), {}),
    ("matmul", ((3, 4), (3, 4)), {}),
    ("matmul", ((), (3,)), {}),
    ("matmul", ((2, 3, 4), (3, 4, 5)), {}),
    ("reshape", ((3, 4),), {"shape": (5,)}),
    ("reshape", ((3, 4),), {"shape": (-1, -1)}),
    ("reshape", ((3, 4),), {"shape": (5, -1)}),
    ("transpose", ((2, 3),), {"axes": (0, 3)}),
    ("transpose", ((2, 3),), {"axes": (0, 2)}),
    ("transpose", ((2, 3),), {"axes": (0,)}),
    ("transpose", ((2, 3),), {"axes": (1, 1)}),
    ("softmax", ((),), {"axis": 1}),
    ("softmax", ((3,),), {"axis": 1}),
    ("softmax", ((3, 4),), {"axis": (0, 0)}),
    ("cross_entropy", ((2, 0), (2,)), {}),
    ("log_softmax", ((3, 0),), {}),
    ("sum", ((3, 4),), {"axis": 2}),
    ("sum", ((3, 4),), {"axis": (0, 0)}),
    ("mean", ((3, 4),), {"axis": (0, -2)}),
    ("max", ((),), {"axis": 1}),
    ("max", ((0,),), {}),
    ("max", ((3, 0),), {"axis": 1}),
    ("logsumexp", ((0, 2),), {"axis": 0}),
    ("cross_entropy", ((3, 4), (4,)), {}),
    ("cross_entropy", ((4,), (4,)), {}),
    ("mse", ((3,), (4,)), {}),
]


@pytest.mark.parametrize(
    "name, shapes, attrs", REFUSED, ids=[f"{n}-{s}-{a}".replace(" ", "") for n, s, a in REFUSED]
)
def test_refused_by_shape_rule_and_by_apply(name, shapes, attrs):
    with pytest.raises(engine.EngineError):
        engine.infer_shape(name, *shapes, **attrs)
    with pytest.raises(engine.EngineError):
        engine.apply(name, *[Tensor(np.zeros(s)) for s in shapes], **attrs)


def test_shape_error_names_op_and_shapes():
    with pytest.raises(engine.ShapeError) as info:
        Tensor(np.ones((3, 4))) @ Tensor(np.ones((3, 4)))
    assert info.value.op == "matmul" and info.value.shapes == ((3, 4), (3, 4))


def test_reshape_without_shape_is_an_argument_error():
    with pytest.raises(engine.ArgumentError):
        engine.infer_shape("reshape", (3, 4))


# ---------------------------------------------------------------------------------------------
# Property: the shape rule and numpy's forward agree, on success and on refusal
# ---------------------------------------------------------------------------------------------
dims = st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple)
axis_int = st.integers(-4, 3)
axis = st.none() | axis_int | st.lists(axis_int, max_size=3).map(tuple)
keepdims = st.booleans()


@st.composite
def op_call(draw):
    name = draw(st.sampled_from(sorted(OPS)))
    op = OPS[name]
    shapes = [draw(dims) for _ in range(op.arity)]
    attrs = {}
    if name == "cross_entropy":
        if draw(st.booleans()):  # mostly well-formed, sometimes not
            n, c = draw(st.integers(0, 3)), draw(st.integers(0, 3))
            shapes = [(n, c), (n,)]
    elif name == "matmul" and draw(st.booleans()):
        k = draw(st.integers(0, 3))
        shapes = [draw(dims) + (k,), (k,) + draw(dims)[:2]]
    if "axis" in op.params:
        attrs["axis"] = draw(axis_int if op.params["axis"].default == -1 else axis)
    if "keepdims" in op.params:
        attrs["keepdims"] = draw(keepdims)
    if name == "transpose":
        nd = len(shapes[0])
        perm = draw(st.permutations(range(nd)))
        attrs["axes"] = draw(
            st.none()
            | st.just(tuple(perm))
            | st.just(tuple(a - nd for a in perm))
            | st.lists(st.integers(-4, 3), max_size=3).map(tuple)
        )
    if name == "reshape":
        attrs["shape"] = tuple(draw(st.lists(st.integers(-1, 6), max_size=3)))
    return name, tuple(shapes), attrs


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(op_call())
def test_shape_rule_agrees_with_forward(call):
    name, shapes, attrs = call
    try:
        want = engine.infer_shape(name, *shapes, **attrs)
    except engine.EngineError:
        want = None
    args = [np.zeros(s) for s in shapes]
    try:
        with np.errstate(all="ignore"):
            got = np.shape(OPS[name].forward(*args, **attrs))
    except (ValueError, IndexError, TypeError, engine.EngineError):
        got = None
    assert want == got, f"shape rule says {want}, numpy's forward gives {got}"
