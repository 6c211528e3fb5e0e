"""Random text and random JSON never produce a 5xx, and the server stays correct afterwards."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Text made of the language's own pieces, so many samples parse and reach the engine.
TOKENS = st.sampled_from(
    [
        "x",
        "y",
        "z",
        "w",
        "h",
        "pi",
        "e",
        "0",
        "1",
        "2",
        "0.5",
        "1e308",
        "-1",
        "+",
        "-",
        "*",
        "/",
        "**",
        "@",
        "(",
        ")",
        "[",
        "]",
        ",",
        "=",
        ";",
        "\n",
        " ",
        "exp",
        "log",
        "sqrt",
        "tanh",
        "sigmoid",
        "relu",
        "sum",
        "mean",
        "max",
        "maximum",
        "matmul",
        "reshape",
        "transpose",
        "softmax",
        "log_softmax",
        "logsumexp",
        "mse",
        "cross_entropy",
        "abs",
        "axis=",
        "keepdims=",
        "True",
        "None",
        "axes=",
        "(2, 2)",
        "(-1,)",
        "[1, 2]",
        "[[1, 2], [3, 4]]",
        ".",
        "'s'",
        "lambda",
        "#",
        "[0]",
        "x[",
        "1j",
        "9**9**9",
    ]
)
# non-empty: an empty expression is a malformed request (400, tests/server/test_openapi.py)
EXPRESSIONS = st.one_of(
    st.text(min_size=1, max_size=40), st.lists(TOKENS, min_size=1, max_size=25).map("".join)
)
NUMBERS = st.one_of(
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["NaN", "Infinity", "-Infinity"]),
)
VALUES = st.one_of(
    NUMBERS,
    st.lists(NUMBERS, min_size=1, max_size=4),
    st.lists(st.lists(NUMBERS, min_size=2, max_size=2), min_size=1, max_size=3),
    st.none(),
    st.booleans(),
    st.text(max_size=5),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
INPUTS = st.fixed_dictionaries({}, optional={k: VALUES for k in "xyzwh"})
# Any text, lone surrogates included (json.dumps writes them as \ud800 escapes).
ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=10)
FIELDS = st.sampled_from(["expression", "inputs", "seed", "check", "sigmoid"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT | EXPRESSIONS,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(FIELDS | ANY_TEXT, kids, max_size=4),
    max_leaves=12,
)


@SETTINGS
@given(
    expression=EXPRESSIONS,
    inputs=INPUTS,
    check=st.booleans(),
    sigmoid=st.sampled_from(["node", "expanded"]),
)
def test_random_expressions_never_5xx(client, graph, expression, inputs, check, sigmoid):
    status, body = graph(expression, inputs, check=check, sigmoid=sigmoid)
    assert status in (200, 422), body
    if status == 422:
        assert set(body["error"]) >= {"code", "message", "span", "suggestions"}
    r = client.post("/api/parse", json={"expression": expression})
    assert r.status_code in (200, 422), r.text


@SETTINGS
@given(payload=JSON, path=st.sampled_from(["/api/graph", "/api/parse", "/api/check"]))
def test_random_json_never_5xx(client, payload, path):
    r = client.post(
        path, content=json.dumps(payload).encode(), headers={"content-type": "application/json"}
    )
    assert 400 <= r.status_code < 500 or r.status_code == 200, r.text
    assert "error" in r.json() or r.status_code == 200


REQUESTS = st.fixed_dictionaries(
    {"expression": EXPRESSIONS},
    optional={
        "inputs": st.dictionaries(st.sampled_from("xyzwh") | ANY_TEXT, VALUES | JSON, max_size=4),
        "seed": VALUES | JSON,
        "check": st.booleans() | JSON,
        "sigmoid": st.sampled_from(["node", "expanded", "other"]) | JSON,
    },
)


@SETTINGS
@given(payload=REQUESTS, path=st.sampled_from(["/api/graph", "/api/parse", "/api/check"]))
def test_random_requests_never_5xx(client, payload, path):
    r = client.post(
        path, content=json.dumps(payload).encode(), headers={"content-type": "application/json"}
    )
    assert r.status_code in (200, 400, 422), r.text


@SETTINGS
@given(
    raw=st.binary(max_size=60),
    ctype=st.sampled_from(
        ["application/json", "text/plain", "", "application/json; charset=latin-1"]
    ),
)
def test_random_bytes_never_5xx(client, raw, ctype):
    r = client.post("/api/graph", content=raw, headers={"content-type": ctype})
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["error"]["code"] == "bad_request"


def test_still_correct_after_fuzzing(graph):
    status, body = graph("1/(1+exp(-z))", {"z": 0})
    assert status == 200 and body["gradients"] == {"z": 0.25}
