"""The trace's ids are made in one place (engine.trace.ids); the numerical check names nodes and
edges with them, so each of its rows points at the trace's node or edge it checked."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import Tensor
from engine.trace import ids


def post_sigmoid():
    z = Tensor(0.0, name="z")
    return 1 / (1 + engine.exp(-z))


def w1x_plus_w2x():
    w1, w2, x = Tensor(2.0, name="w1"), Tensor(3.0, name="w2"), Tensor(0.0, name="x")
    return w1 * x + w2 * x


def x_times_x():
    x = Tensor(3.0, name="x")
    return x * x


def mlp():
    x = engine.constant(np.arange(6.0).reshape(2, 3) / 6, name="X")
    w = Tensor(np.linspace(-1, 1, 12).reshape(3, 4), name="W1")
    b = Tensor(np.zeros(4) + 0.1, name="b1")
    return engine.cross_entropy(engine.relu(x @ w + b), engine.constant([0.0, 3.0]))


@pytest.mark.parametrize("build", [post_sigmoid, w1x_plus_w2x, x_times_x, mlp])
def test_gradcheck_names_nodes_and_edges_as_the_trace(build):
    out = build()
    out.backward()
    tr, report = engine.trace(out), engine.gradcheck(out)
    edges = {e["id"]: (e["source"], e["target"], e["index"]) for e in tr["edges"]}
    names = {n["id"]: n["name"] for n in tr["nodes"]}
    assert report["edges"] and report["inputs"]
    for row in report["edges"]:
        assert edges[row["edge"]][:2] == (row["source"], row["target"])
    for row in report["inputs"]:
        assert names[row["node"]] == row["name"]


def test_ids_by_consumer_then_input_position():
    out = w1x_plus_w2x()
    out.backward()
    order = out._record.nodes(out)
    node_ids, first, edge_ids = ids(order)
    assert node_ids == ["n0", "n1", "n2", "n3", "n4", "n5"]
    assert first == [0, 0, 0, 0, 2, 4, 6]
    assert edge_ids == ["e0", "e1", "e2", "e3", "e4", "e5"]
