"""The Python API around the ops: operators, constants, gradcheck's report, and regressions in
the engine's machinery (a later backward through shared nodes, class-index leaves in gradcheck)."""

from __future__ import annotations

import numpy as np
import pytest
from engine_cases import check_trace

import engine
from engine import Tensor


@pytest.mark.parametrize(
    "build, op",
    [
        (lambda x: 2.0 * x, "mul"),
        (lambda x: np.float64(2.0) * x, "mul"),
        (lambda x: np.array([1.0, 2.0]) + x, "add"),
        (lambda x: 3 - x, "sub"),
        (lambda x: 1 / x, "reciprocal"),
        (lambda x: 2 / x, "div"),
        (lambda x: 2**x, "pow"),
        (lambda x: x @ x, "matmul"),
        (lambda x: -x, "neg"),
        (lambda x: x.T, "transpose"),
        (lambda x: x.sum(0), "sum"),
        (lambda x: x.reshape(2, 1), "reshape"),
    ],
)
def test_operators_and_methods_record_the_registry_op(build, op):
    x = Tensor([1.0, 2.0])
    assert build(x).op == op


def test_constants_get_no_gradient():
    x, c = Tensor([1.0, 2.0], name="x"), engine.constant([3.0, 4.0], name="c")
    y = (x * c).sum()
    y.backward()
    assert c.grad is None
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])
    tr = engine.trace(y)
    check_trace(tr)
    assert tr["gradients"] == {"x": [3.0, 4.0]}


def test_values_are_float64():
    assert Tensor(1).data.dtype == np.float64
    assert Tensor([[1, 2]]).data.dtype == np.float64
    with pytest.raises(engine.ArgumentError):
        Tensor([[1, 2], [3]])


def test_gradcheck_report_shape():
    x = Tensor([0.3, -0.7], name="x")
    y = (engine.exp(x) * x).sum()
    report = engine.gradcheck(y)
    assert report["ok"] and report["kinks"] == []
    (row,) = report["inputs"]
    assert row["name"] == "x" and row["ok"]
    np.testing.assert_allclose(
        row["numeric"], np.exp([0.3, -0.7]) * (1 + np.array([0.3, -0.7])), rtol=1e-8
    )
    assert {r["edge"] for r in report["edges"]} == {"e0", "e1", "e2", "e3"}
    assert all(r["max_abs_error"] < 1e-8 for r in report["edges"])


def test_gradcheck_refuses_too_much_work():
    x = Tensor(np.ones(50))
    y = engine.exp(x).sum()
    with pytest.raises(engine.EngineError):
        engine.gradcheck(y, max_evaluations=10)


# ---------------------------------------------------------------------------------------------
# Regressions in engine/trace.py, engine/backward.py, engine/gradcheck.py
# ---------------------------------------------------------------------------------------------
def test_trace_is_unchanged_by_a_later_backward_through_shared_nodes():
    x = Tensor(1.0, name="x")
    y = x * 3
    z = y * y
    y.backward()
    before = engine.trace(y)
    z.backward()  # a second graph that shares x and y
    after = engine.trace(y)
    assert after["gradients"] == before["gradients"] == {"x": 3.0}
    check_trace(after)


def test_gradcheck_skips_class_index_leaves():
    logits = Tensor([[0.1, 0.2, -0.3], [0.5, 0.0, 0.2]], name="logits")
    targets = Tensor([0.0, 2.0], name="t")  # a leaf that requires grad, as the service may make
    loss = engine.cross_entropy(logits, targets)
    loss.backward()
    report = engine.gradcheck(loss)
    assert report["ok"]
    assert [r["name"] for r in report["inputs"]] == ["logits"]


def test_graph_is_freed_without_the_cycle_collector():
    import gc
    import weakref

    x = Tensor(np.ones(3))
    h = x * 2.0
    alive = weakref.ref(h.value)  # numpy arrays take weak references; Tensors do not
    y = h.sum()
    del h
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        y.backward()
        del y
        assert alive() is None, "the graph outlived its last reference"
    finally:
        if was_enabled:
            gc.enable()
