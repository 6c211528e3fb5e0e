"""POST /api/graph and /api/check: the trace contract, field by field, on the post's examples."""

from __future__ import annotations

import json
import math

import pytest

from server.examples import EXAMPLES


def strict_json(text: str):
    """json.loads that refuses bare NaN / Infinity tokens (they are not JSON)."""

    def refuse(token):
        raise AssertionError(f"bare {token} in a response")

    return json.loads(text, parse_constant=refuse)


def by_id(items: list[dict]) -> dict:
    return {item["id"]: item for item in items}


# -- the post's sigmoid -----------------------------------------------------------------------
def test_sigmoid_forward_and_backward(client):
    r = client.post("/api/graph", json={"expression": "1/(1+exp(-z))", "inputs": {"z": 0}})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = strict_json(r.text)
    assert body["expression"] == "1/(1+exp(-z))"
    assert body["inputs"] == ["z"]
    assert body["gradients"] == {"z": 0.25}
    assert "warnings" not in body and "check" not in body
    nodes = by_id(body["nodes"])
    out = nodes[body["output"]]
    assert out["op"] == "reciprocal" and out["value"] == 0.5 and out["grad"] == 1.0
    assert out["span"] == [1, 0, 1, 13]
    z = next(n for n in body["nodes"] if n["name"] == "z")
    assert (z["op"], z["label"], z["value"], z["grad"], z["span"]) == (
        "input",
        "z",
        0.0,
        0.25,
        [1, 10, 1, 11],
    )
    steps = body["steps"]
    assert [s["label"] for s in steps] == ["reciprocal", "add", "exp", "negate"]
    assert [s["upstream"] for s in steps] == [1.0, -0.25, -0.25, -0.25]
    edges = by_id(body["edges"])
    # the edge of each step that carries the gradient on toward z
    chain = [edges[s["edges"][-1]] for s in steps]
    assert [e["local"] for e in chain] == [-0.25, 1.0, 1.0, -1.0]
    assert [e["downstream"] for e in chain] == [-0.25, -0.25, -0.25, 0.25]
    assert [e["local_formula"] for e in chain] == [r"-\frac{1}{x^{2}}", "1", "e^{x}", "-1"]
    assert [nodes[e["target"]]["span"] for e in chain] == [
        [1, 0, 1, 13],
        [1, 3, 1, 12],
        [1, 5, 1, 12],
        [1, 9, 1, 11],
    ]
    one = nodes[edges[steps[1]["edges"][0]]["source"]]
    assert (one["op"], one["value"], one["grad"], one["span"]) == ("const", 1.0, None, [1, 3, 1, 4])
    assert body["fanout"] == []
    assert body["forward"] == [n["id"] for n in body["nodes"]]


def test_sigmoid_as_one_node_or_expanded(graph):
    status, one = graph("sigmoid(z)", {"z": 0})
    assert status == 200
    assert [s["label"] for s in one["steps"]] == ["sigmoid"]
    assert one["gradients"] == {"z": 0.25}
    status, expanded = graph("sigmoid(z)", {"z": 0}, sigmoid="expanded")
    assert status == 200
    assert [s["label"] for s in expanded["steps"]] == ["reciprocal", "add", "exp", "negate"]
    assert [s["upstream"] for s in expanded["steps"]] == [1.0, -0.25, -0.25, -0.25]
    assert expanded["gradients"] == {"z": 0.25}
    # every node of the expansion points at the call
    assert {tuple(n["span"]) for n in expanded["nodes"] if n["op"] != "input"} == {(1, 0, 1, 10)}


# -- the post's fan-out -----------------------------------------------------------------------
def test_fanout_with_assignments(graph):
    status, body = graph("h = w1*x\ng = w2*x\nf = g + h", {"w1": 2, "w2": 3, "x": 0})
    assert status == 200
    assert body["inputs"] == ["w1", "x", "w2"]
    assert body["gradients"] == {"w1": 0.0, "x": 5.0, "w2": 0.0}
    nodes = by_id(body["nodes"])
    named = {n["name"]: n for n in body["nodes"] if n["name"]}
    assert named["h"]["op"] == "mul" and named["h"]["label"] == "h"
    assert named["h"]["span"] == [1, 0, 1, 8]  # the assignment
    assert named["g"]["span"] == [2, 0, 2, 8]
    assert named["f"]["id"] == body["output"]
    assert named["x"]["span"] == [1, 7, 1, 8]  # first use
    (fan,) = body["fanout"]
    assert nodes[fan["node"]]["name"] == "x"
    assert sorted(c["value"] for c in fan["contributions"]) == [2.0, 3.0]
    assert fan["sum"] == 5.0
    edges = by_id(body["edges"])
    for c in fan["contributions"]:
        assert edges[c["edge"]]["source"] == fan["node"]


def test_one_line_fanout(graph):
    status, body = graph("w1*x + w2*x", {"w1": 2, "w2": 3, "x": 0})
    assert status == 200
    assert body["gradients"]["x"] == 5.0
    assert len([n for n in body["nodes"] if n["name"] == "x"]) == 1  # one node, two consumers


# -- the other presets ------------------------------------------------------------------------
EXPECTED = {
    "sigmoid": ({"z": 0.25}, 0.5),
    "fanout": ({"x": 5.0}, 0.0),
    "cs231n-simple": ({"x": -4.0, "y": -4.0, "z": 3.0}, -12.0),
    "cs231n-neuron": (
        {
            "w0": -0.19661193,
            "x0": 0.39322387,
            "w1": -0.39322387,
            "x1": -0.5898358,
            "w2": 0.19661193,
        },
        0.73105858,
    ),
    "micrograd-neuron": ({"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0}, 0.70710678),
    "micrograd-readme": ({"a": 138.8338192, "b": 645.5772595}, 24.7040816),
}


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_every_example_runs_and_checks(graph, example):
    status, body = graph(
        example["expression"], example["inputs"], check=True, **example.get("options", {})
    )
    assert status == 200, body
    assert body["check"]["ok"], body["check"]
    assert set(body["inputs"]) == set(example["inputs"])
    if example["id"] in EXPECTED:
        grads, value = EXPECTED[example["id"]]
        for name, g in grads.items():
            assert body["gradients"][name] == pytest.approx(g, abs=1e-6), name
        out = by_id(body["nodes"])[body["output"]]
        assert out["value"] == pytest.approx(value, abs=1e-6)


def test_broadcast_reduction_is_reported(graph):
    status, body = graph(
        "X @ W + b", {"X": [[1, 2], [3, 4]], "W": [[1, 0, 1], [0, 1, 1]], "b": [1, 2, 3]}
    )
    assert status == 200
    nodes = by_id(body["nodes"])
    b = next(n for n in body["nodes"] if n["name"] == "b")
    (edge,) = [e for e in body["edges"] if e["source"] == b["id"]]
    assert edge["reduction"] == {"axes": [0], "from_shape": [2, 3], "to_shape": [3]}
    assert edge["downstream"] == [2.0, 2.0, 2.0]
    assert b["grad"] == [2.0, 2.0, 2.0]
    assert nodes[body["output"]]["shape"] == [2, 3]
    assert body["gradients"]["W"] == [[4.0, 4.0, 4.0], [6.0, 6.0, 6.0]]


# -- options ----------------------------------------------------------------------------------
def test_seed_is_the_upstream_of_the_output(graph):
    status, body = graph("x * 2", {"x": [1, 2]}, seed=[1, -1])
    assert status == 200
    assert body["gradients"] == {"x": [2.0, -2.0]}
    assert body["steps"][0]["upstream"] == [1.0, -1.0]


def test_check_has_the_same_ids(graph):
    status, body = graph("x*x + y", {"x": 3, "y": 1}, check=True)
    assert status == 200
    check = body["check"]
    assert check["ok"] is True
    ids = {n["id"] for n in body["nodes"]}
    assert {row["node"] for row in check["inputs"]} <= ids
    assert {row["edge"] for row in check["edges"]} <= {e["id"] for e in body["edges"]}
    x = next(row for row in check["inputs"] if row["name"] == "x")
    assert x["analytic"] == 6.0 and x["numeric"] == pytest.approx(6.0)


def test_check_endpoint(client):
    r = client.post("/api/check", json={"expression": "tanh(x) * y", "inputs": {"x": 0.3, "y": 2}})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"expression", "inputs", "check"}
    assert body["inputs"] == ["x", "y"]
    assert body["expression"] == "tanh(x) * y"
    check = body["check"]
    assert check["ok"] is True
    assert [row["name"] for row in check["inputs"]] == ["x", "y"]
    assert len(check["edges"]) == 3


# -- numbers ----------------------------------------------------------------------------------
NUMERIC_EDGES = [
    # expression, inputs, output value, gradients, a warning mentions
    ("log(x)", {"x": 0}, "-Infinity", {"x": "Infinity"}, "log at line 1"),
    ("1/x", {"x": 0}, "Infinity", {"x": "-Infinity"}, "reciprocal"),
    ("sqrt(x)", {"x": -1}, "NaN", {"x": "NaN"}, "sqrt"),
    ("exp(x)", {"x": 1000}, "Infinity", {"x": "Infinity"}, "exp"),
    ("x * 2", {"x": "NaN"}, "NaN", {"x": 2.0}, None),
    ("x + 1", {"x": "-Infinity"}, "-Infinity", {"x": 1.0}, None),
    ("x + 9**9**9", {"x": 1}, "Infinity", {"x": 1.0}, "power"),
    ("log(0)", {}, "-Infinity", {}, "does not depend on any input"),
    ("x * 1e400", {"x": 1}, "Infinity", {"x": "Infinity"}, "too large for float64"),
    ("x * " + "9" * 400, {"x": 1}, "Infinity", {"x": "Infinity"}, "too large for float64"),
    ("x", {"x": [1, "Infinity", "NaN"]}, [1.0, "Infinity", "NaN"], {"x": [1.0, 1.0, 1.0]}, None),
]


@pytest.mark.parametrize("expression, inputs, value, grads, warning", NUMERIC_EDGES)
def test_numeric_edges_are_valid_json(client, expression, inputs, value, grads, warning):
    r = client.post("/api/graph", json={"expression": expression, "inputs": inputs})
    assert r.status_code == 200, r.text
    body = strict_json(r.text)
    assert by_id(body["nodes"])[body["output"]]["value"] == value
    assert body["gradients"] == grads
    if warning:
        assert any(warning in w for w in body["warnings"]), body.get("warnings")


def test_integer_literals_are_floats(graph):
    status, body = graph("x / 2 + 7 // 1 if 0 else x / 2", {"x": 1})
    assert status == 422  # (conditional expressions are refused)
    status, body = graph("x / 2", {"x": 1})
    assert by_id(body["nodes"])[body["output"]]["value"] == 0.5
    status, body = graph("2**-1 * x", {"x": 1})
    assert by_id(body["nodes"])[body["output"]]["value"] == 0.5


# -- the language -----------------------------------------------------------------------------
LANGUAGE = [
    # expression, inputs, output value
    ("x + y * 2", {"x": 1, "y": 3}, 7.0),
    ("-x + +y", {"x": 1, "y": 3}, 2.0),
    ("x ** 2 - 1e-3", {"x": 3}, 8.999),
    ("pi * x + e", {"x": 1}, math.pi + math.e),
    ("h = x * 2; h * h", {"x": 3}, 36.0),
    ("h = x  # a comment\nh + 1", {"x": 3}, 4.0),
    ("h = x\nh += 1\nh *= 2", {"x": 3}, 8.0),
    ("sum([[1, 2], [3, 4]] * x)", {"x": 1}, 10.0),
    ("sum(x, axis=1)", {"x": [[1, 2], [3, 4]]}, [3.0, 7.0]),
    ("sum(x, 0, True)", {"x": [[1, 2], [3, 4]]}, [[4.0, 6.0]]),
    ("mean(x, keepdims=True)", {"x": [1, 2, 3]}, [2.0]),
    ("reshape(x, (2, -1))", {"x": [1, 2, 3, 4]}, [[1.0, 2.0], [3.0, 4.0]]),
    ("transpose(x)", {"x": [[1, 2]]}, [[1.0], [2.0]]),
    ("x @ y", {"x": [1, 2], "y": [3, 4]}, 11.0),
    ("matmul(x, y)", {"x": [[1, 2]], "y": [[3], [4]]}, [[11.0]]),
    ("maximum(x, 0)", {"x": [-1, 2]}, [0.0, 2.0]),
    ("cross_entropy(x, [0])", {"x": [[0, 0]]}, pytest.approx(math.log(2))),
    ("mse(x, [1, 1])", {"x": [1, 3]}, 2.0),
    ("ｅｘｐ(ｚ)", {"z": 0}, 1.0),  # full-width letters normalise (NFKC) as in Python
    ("α * x", {"α": 2, "x": 3}, 6.0),
    ("e = x * 2\ne + 1", {"x": 1}, 3.0),  # assigning e shadows the constant
    ("x", {"x": 1.5}, 1.5),
]


@pytest.mark.parametrize("expression, inputs, value", LANGUAGE)
def test_language(graph, expression, inputs, value):
    status, body = graph(expression, inputs)
    assert status == 200, body
    assert by_id(body["nodes"])[body["output"]]["value"] == value


def test_literal_one_over_is_reciprocal_and_other_divisions_divide(graph):
    _, body = graph("1/x + 2/x", {"x": 2})
    assert sorted(n["op"] for n in body["nodes"] if n["op"] in ("div", "reciprocal")) == [
        "div",
        "reciprocal",
    ]


def test_negative_literal_folds_into_a_constant(graph):
    _, body = graph("x * -2", {"x": 1})
    assert [n["op"] for n in body["nodes"]] == ["input", "const", "mul"]
    assert body["nodes"][1]["value"] == -2.0 and body["nodes"][1]["span"] == [1, 4, 1, 6]


def test_constants_are_one_node_each(graph):
    _, body = graph("pi * x + pi", {"x": 1})
    pis = [n for n in body["nodes"] if n["name"] == "pi"]
    assert len(pis) == 1 and pis[0]["op"] == "const" and pis[0]["span"] == [1, 0, 1, 2]


def test_spans_count_characters_not_bytes(graph):
    _, body = graph("αβ + exp(x)", {"αβ": 1, "x": 0})
    exp = next(n for n in body["nodes"] if n["op"] == "exp")
    assert exp["span"] == [1, 5, 1, 11]  # Python's ast says [1, 7, 1, 13] (UTF-8 bytes)


def test_unused_statements_and_inputs_warn(graph):
    status, body = graph("x * 2\ny + 1", {"x": 1, "y": 2, "q": 3})
    assert status == 200
    assert any("line 1" in w and "not used" in w for w in body["warnings"])
    assert any("'q' is not used" in w for w in body["warnings"])


def test_input_keys_are_normalised_like_identifiers(graph):
    status, body = graph("ｚ * 2", {"ｚ": 1})  # the key is NFKC-normalised like the identifier
    assert status == 200 and body["gradients"] == {"z": 2.0}


def test_the_server_stays_correct_after_refusals(graph):
    for expression in ["__import__('os')", "x[", "9" * 5000, "(" * 300, "sum(x, axis=9)"]:
        status, _ = graph(expression, {"x": 1})
        assert status == 422
    assert graph("1/(1+exp(-z))", {"z": 0}) == graph("1/(1+exp(-z))", {"z": 0})
    assert graph("1/(1+exp(-z))", {"z": 0})[1]["gradients"] == {"z": 0.25}


def test_a_request_leaves_no_graph_behind():
    """Each request's graph is freed by reference counting alone, without the cycle collector."""
    import gc

    import engine
    from server import service
    from server.config import Limits

    def tensors() -> int:
        return sum(isinstance(o, engine.Tensor) for o in gc.get_objects())

    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        before = tensors()
        for k in range(20):
            service.run(
                "h = tanh(x*w + b)\nsum(h)", {"x": [1, k], "w": 3, "b": 1}, Limits(), check=True
            )
        assert tensors() == before
    finally:
        if enabled:
            gc.enable()
