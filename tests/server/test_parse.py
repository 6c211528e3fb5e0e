"""POST /api/parse: the inputs the page makes fields for, without evaluating anything."""

from __future__ import annotations

import pytest

PARSES = [
    # expression, inputs with spans, assigned, functions
    ("1/(1+exp(-z))", [("z", [1, 10, 1, 11])], [], ["exp"]),
    (
        "h = w1*x\ng = w2*x\nf = g + h",
        [("w1", [1, 4, 1, 6]), ("x", [1, 7, 1, 8]), ("w2", [2, 4, 2, 6])],
        ["h", "g", "f"],
        [],
    ),
    ("tanh(x) + sigmoid(x) * pi", [("x", [1, 5, 1, 6])], [], ["tanh", "sigmoid"]),
    ("h = x; h += y", [("x", [1, 4, 1, 5]), ("y", [1, 12, 1, 13])], ["h"], []),
    ("sum(X @ W, axis=0)", [("X", [1, 4, 1, 5]), ("W", [1, 8, 1, 9])], [], ["sum"]),
    ("θ * x", [("θ", [1, 0, 1, 1]), ("x", [1, 4, 1, 5])], [], []),
    ("2 + 3", [], [], []),
]


@pytest.mark.parametrize("expression, inputs, assigned, functions", PARSES)
def test_parse(client, expression, inputs, assigned, functions):
    r = client.post("/api/parse", json={"expression": expression})
    assert r.status_code == 200
    body = r.json()
    assert body["inputs"] == [{"name": n, "span": s} for n, s in inputs]
    assert body["assigned"] == assigned
    assert body["functions"] == functions


def test_parse_does_not_need_inputs_or_evaluate(client):
    # shapes are unknown without inputs: nothing is evaluated, so this parses fine
    r = client.post("/api/parse", json={"expression": "x @ y + log(0)"})
    assert r.status_code == 200
    assert [i["name"] for i in r.json()["inputs"]] == ["x", "y"]


def test_parse_reports_node_count_and_constants(client):
    body = client.post("/api/parse", json={"expression": "pi * x + pi"}).json()
    assert body["constants"] == ["pi"]
    assert body["nodes"] == 4  # pi, x, mul, add
    body = client.post("/api/parse", json={"expression": "sigmoid(x)", "sigmoid": "expanded"})
    assert body.json()["nodes"] == 6  # x, and negate, exp, 1, add, reciprocal


ERRORS = [
    ("x +", 422, "syntax_error", [1, 3, 1, 4]),
    ("tahn(x)", 422, "unknown_function", [1, 0, 1, 4]),
    ("x.y", 422, "not_allowed", [1, 0, 1, 3]),
    ("sum(x, foo=1)", 422, "argument_error", [1, 7, 1, 12]),
    ("h\nh = 1", 422, "unknown_name", [1, 0, 1, 1]),
]


@pytest.mark.parametrize("expression, status, code, span", ERRORS)
def test_parse_errors_match_graph_errors(client, expression, status, code, span):
    parsed = client.post("/api/parse", json={"expression": expression})
    graphed = client.post("/api/graph", json={"expression": expression, "inputs": {"x": 1}})
    assert parsed.status_code == graphed.status_code == status
    assert parsed.json() == graphed.json()
    assert parsed.json()["error"]["code"] == code
    assert parsed.json()["error"]["span"] == span


def test_parse_refuses_bad_requests(client):
    r = client.post("/api/parse", json={"expression": "x", "inputs": {}})
    assert r.status_code == 400  # parse takes no inputs
    r = client.post("/api/parse", content=b"x", headers={"content-type": "application/json"})
    assert r.status_code == 400
