"""Adding an op touches engine/ops.py only: a toy op registered here, in the test alone, works end
to end: engine.<name> with backward and gradcheck, the expression language, POST /api/graph and
GET /api/ops."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import engine
from engine.ops import unary
from server.app import create_app
from server.language import compile_program

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402


@pytest.fixture
def cube():
    """x**3 as one node, registered for the test and removed after it."""
    op = unary(
        "cube",
        lambda x: x * x * x,
        lambda ans, x: 3.0 * x * x,
        r"3x^{2}",
        "x cubed",
    )
    yield op
    engine.OPS.pop("cube")


def test_the_engine_function(cube):
    x = engine.Tensor([1.0, -2.0], name="x")
    y = engine.cube(x)
    assert y.op == "cube" and engine.cube.__name__ == "cube" and "x cubed" in engine.cube.__doc__
    y.backward()
    assert np.array_equal(y.data, [1.0, -8.0]) and np.array_equal(x.grad, [3.0, 12.0])
    assert engine.gradcheck(y)["ok"]
    (edge,) = engine.trace(y)["edges"]
    assert edge["local_formula"] == r"3x^{2}" and edge["local"] == [3.0, 12.0]


def test_the_expression_language(cube):
    program = compile_program("cube(x) + 1")
    assert program.functions == ["cube"]


def test_the_api(cube):
    client = TestClient(create_app(), raise_server_exceptions=False)
    r = client.post("/api/graph", json={"expression": "cube(z) * 2", "inputs": {"z": 2}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["gradients"] == {"z": 24.0}
    assert [n["op"] for n in body["nodes"]] == ["input", "cube", "const", "mul"]
    ops = {op["name"]: op for op in client.get("/api/ops").json()}
    assert ops["cube"]["formulas"] == [r"3x^{2}"] and ops["cube"]["signature"] == "cube(x)"
    assert (
        client.post("/api/graph", json={"expression": "cube(z, 1)", "inputs": {"z": 2}})
        .json()["error"]["message"]
        .startswith("cube takes 1 operand(s)")
    )


def test_no_trace_of_it_remains():
    assert "cube" not in engine.OPS
    with pytest.raises(AttributeError):
        engine.cube  # noqa: B018
