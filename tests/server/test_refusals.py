"""Every refusal: the right status, code, span and message; the server stays up afterwards."""

from __future__ import annotations

import pytest

from server.config import Limits


def check_error(error: dict, code: str, span, words: str) -> None:
    assert error["code"] == code, error
    assert error["span"] == span, error
    assert words in error["message"], error
    assert isinstance(error["suggestions"], list)


# -- injection attempts: valid Python that the allowlist does not name -------------------------
INJECTION = [
    ("__import__('os')", "not_allowed", [1, 0, 1, 10], "names starting with '__'"),
    ("__builtins__", "not_allowed", [1, 0, 1, 12], "names starting with '__'"),
    ("x.__class__", "not_allowed", [1, 0, 1, 11], "attribute access"),
    ("exp.__globals__", "not_allowed", [1, 0, 1, 15], "attribute access"),
    ("os.system('ls')", "not_allowed", [1, 0, 1, 9], "attribute access"),
    ("(lambda: 1)()", "not_allowed", [1, 0, 1, 13], "only the engine's functions"),
    ("lambda: 1", "not_allowed", [1, 0, 1, 9], "lambda"),
    ("[x for x in y]", "not_allowed", [1, 0, 1, 14], "comprehensions"),
    ("sum(x for x in y)", "not_allowed", [1, 3, 1, 17], "generator expressions"),
    ("{x: 1}", "not_allowed", [1, 0, 1, 6], "dictionaries"),
    ("f'{x}'", "not_allowed", [1, 0, 1, 6], "f-strings"),
    ("x[0]", "not_allowed", [1, 0, 1, 4], "subscripts"),
    ("(y := 2)", "not_allowed", [1, 1, 1, 7], "walrus"),
    ("'abc'", "not_allowed", [1, 0, 1, 5], "strings"),
    ("b'abc'", "not_allowed", [1, 0, 1, 6], "strings"),
    ('"""doc"""', "not_allowed", [1, 0, 1, 9], "strings"),
    ("exp('1')", "not_allowed", [1, 4, 1, 7], "strings"),
    ("import os", "not_allowed", [1, 0, 1, 9], "'import' statements"),
    ("from os import system", "not_allowed", [1, 0, 1, 21], "'importfrom' statements"),
    ("def f(): pass", "not_allowed", [1, 0, 1, 13], "'functiondef' statements"),
    ("class A: pass", "not_allowed", [1, 0, 1, 13], "'classdef' statements"),
    ("for i in x: pass", "not_allowed", [1, 0, 1, 16], "'for' statements"),
    ("while 1: pass", "not_allowed", [1, 0, 1, 13], "'while' statements"),
    ("x if y else z", "not_allowed", [1, 0, 1, 13], "conditional expressions"),
    ("x < y", "not_allowed", [1, 0, 1, 5], "comparisons"),
    ("x and y", "not_allowed", [1, 0, 1, 7], "and / or"),
    ("not x", "not_allowed", [1, 0, 1, 5], "the operator not"),
    ("~x", "not_allowed", [1, 0, 1, 2], "the operator ~"),
    ("x // 2", "not_allowed", [1, 0, 1, 6], "the operator //"),
    ("x % 2", "not_allowed", [1, 0, 1, 5], "the operator %"),
    ("x << 2", "not_allowed", [1, 0, 1, 6], "the operator <<"),
    ("x //= 2", "not_allowed", [1, 0, 1, 7], "the operator //="),
    ("exp(*x)", "not_allowed", [1, 4, 1, 6], "starred"),
    ("sum(x, **k)", "not_allowed", [1, 7, 1, 10], "**keyword"),
    ("x.y = 1", "not_allowed", [1, 0, 1, 3], "one name"),
    ("a, b = 1, 2", "not_allowed", [1, 0, 1, 4], "one name"),
    ("a = b = 1", "not_allowed", [1, 0, 1, 9], "chained assignments"),
    ("exp = 1", "not_allowed", [1, 0, 1, 3], "is a function"),
    ("exp", "not_allowed", [1, 0, 1, 3], "is a function"),
    ("1j", "not_allowed", [1, 0, 1, 2], "complex numbers"),
    ("True", "not_allowed", [1, 0, 1, 4], "keyword value"),
    ("None", "not_allowed", [1, 0, 1, 4], "keyword value"),
    ("...", "not_allowed", [1, 0, 1, 3], "the constant ellipsis"),
    ("(1, 2)", "not_allowed", [1, 0, 1, 6], "tuples are only allowed"),
    ("[x, 1]", "not_allowed", [1, 1, 1, 2], "numbers only"),
    ("[[1, 2], [3, y]]", "not_allowed", [1, 13, 1, 14], "numbers only"),
    ("await x", "not_allowed", [1, 0, 1, 7], "await"),
    ("x = yield", "not_allowed", [1, 4, 1, 9], "yield"),
    ("assert x", "not_allowed", [1, 0, 1, 8], "'assert' statements"),
    ("del x", "not_allowed", [1, 0, 1, 5], "'delete' statements"),
    ("global x", "not_allowed", [1, 0, 1, 8], "'global' statements"),
    ("pass", "not_allowed", [1, 0, 1, 4], "'pass' statements"),
]


@pytest.mark.parametrize("expression, code, span, words", INJECTION)
def test_injection_attempts_are_refused(refused, expression, code, span, words):
    check_error(refused(expression, {"x": 1, "y": 2, "z": 3}), code, span, words)


# -- syntax errors ----------------------------------------------------------------------------
SYNTAX = [
    ("x +", [1, 3, 1, 4], "invalid syntax"),
    ("(x", [1, 0, 1, 1], "was never closed"),
    ("x)", [1, 1, 1, 2], "unmatched ')'"),
    ("x\n  y", [2, 1, 2, 2], "unexpected indent"),
    ("2x", [1, 0, 1, 1], "invalid decimal literal"),
    ("exp(x,,)", [1, 6, 1, 7], "invalid syntax"),
    ("x = ", [1, 4, 1, 5], "invalid syntax"),
    ("'abc", [1, 0, 1, 1], "unterminated string"),
    ("x $ y", [1, 2, 1, 3], "invalid syntax"),
    ("", None, "empty"),
    ("# a comment only\n", None, "empty"),
    ("x\x00", None, "null bytes"),
    ("x\ud800", None, "not valid Unicode"),
]


@pytest.mark.parametrize("expression, span, words", SYNTAX)
def test_syntax_errors(client, expression, span, words):
    # lone surrogates cannot travel in JSON, and the API refuses an empty expression as a
    # malformed request (400, tests/server/test_openapi.py): call the service
    from server import service
    from server.errors import SyntaxErr

    if "\ud800" in expression or not expression:
        with pytest.raises(SyntaxErr) as info:
            service.parse(expression, Limits())
        error = info.value.payload()["error"]
    else:
        r = client.post("/api/graph", json={"expression": expression, "inputs": {"x": 1}})
        assert r.status_code == 422
        error = r.json()["error"]
    check_error(error, "syntax_error", span, words)


# -- names, functions, arguments, shapes, domains, inputs --------------------------------------
EXPRESSION_ERRORS = [
    # expression, inputs, code, span, words, suggestions
    ("tahn(x)", {"x": 1}, "unknown_function", [1, 0, 1, 4], "did you mean tanh?", ["tanh"]),
    ("sigmod(x)", {"x": 1}, "unknown_function", [1, 0, 1, 6], "did you mean sigmoid?", ["sigmoid"]),
    ("zeros((10, 10))", {}, "unknown_function", [1, 0, 1, 5], "unknown function 'zeros'", []),
    ("x(1)", {"x": 1}, "unknown_function", [1, 0, 1, 1], "unknown function 'x'", []),
    ("h\nh = x", {"x": 1}, "unknown_name", [1, 0, 1, 1], "before it is assigned on line 2", []),
    ("h += x", {"x": 1}, "unknown_name", [1, 0, 1, 1], "before it is assigned", []),
    ("x = x + 1", {"x": 1}, "unknown_name", [1, 4, 1, 5], "before it is assigned", []),
    ("exp(x, y)", {"x": 1, "y": 2}, "argument_error", [1, 7, 1, 8], "exp takes 1 operand(s)", []),
    ("maximum(x)", {"x": 1}, "argument_error", [1, 0, 1, 10], "takes 2 operand(s), got 1", []),
    ("sum(x, foo=1)", {"x": 1}, "argument_error", [1, 7, 1, 12], "no keyword 'foo'", []),
    ("sum(x, axs=1)", {"x": 1}, "argument_error", [1, 7, 1, 12], "no keyword 'axs'", ["axis"]),
    ("sum(x, 0, axis=0)", {"x": [1]}, "argument_error", [1, 10, 1, 16], "got 'axis' twice", []),
    (
        "sum(x, axis=1.5)",
        {"x": [1]},
        "argument_error",
        [1, 12, 1, 15],
        "must be written as a literal",
        [],
    ),
    ("sum(x, axis=y)", {"x": [1], "y": 0}, "argument_error", [1, 12, 1, 13], "literal", []),
    (
        "sum(x, axis=5)",
        {"x": [1, 2]},
        "argument_error",
        [1, 0, 1, 14],
        "axis 5 is out of range",
        [],
    ),
    (
        "max(x, keepdims=1)",
        {"x": [1, 2]},
        "argument_error",
        [1, 7, 1, 17],  # the keyword to blame
        "keepdims must be True or False",
        [],
    ),
    ("reshape(x)", {"x": [1, 2]}, "argument_error", [1, 0, 1, 10], "needs a shape", []),
    (
        "reshape(x, (3, 10**10))",
        {"x": [1, 2]},
        "argument_error",
        [1, 15, 1, 21],
        "must be written as a literal",
        [],
    ),
    (
        "reshape(x, (3, 99999999999))",
        {"x": [1, 2]},
        "argument_error",
        [1, 15, 1, 26],
        "too large",
        [],
    ),
    ("[[1, 2], [3]]", {}, "argument_error", [1, 0, 1, 13], "not rectangular", []),
    ("[[1, 2], 3]", {}, "argument_error", [1, 1, 1, 7], "not rectangular", []),
    ("[]", {}, "argument_error", [1, 0, 1, 2], "empty list", []),
    (
        "x @ y",
        {"x": [1, 2], "y": [1, 2, 3]},
        "shape_error",
        [1, 0, 1, 5],
        "matmul: cannot combine shapes [2], [3]",
        [],
    ),
    (
        "x + y",
        {"x": [1, 2], "y": [1, 2, 3]},
        "shape_error",
        [1, 0, 1, 5],
        "add: cannot combine shapes [2], [3]",
        [],
    ),
    (
        "h = x\ng = h * y",
        {"x": [1, 2], "y": [[1, 2, 3]]},
        "shape_error",
        [2, 4, 2, 9],
        "line 2",
        [],
    ),
    ("x @ 2", {"x": [1, 2]}, "shape_error", [1, 0, 1, 5], "matmul", []),
    ("reshape(x, (3,))", {"x": [1, 2]}, "shape_error", [1, 0, 1, 16], "cannot reshape", []),
    (
        "cross_entropy(x, [0, 1])",
        {"x": [[1, 2]]},
        "shape_error",
        [1, 0, 1, 24],
        "expects logits of shape [N, C]",
        [],
    ),
    (
        "cross_entropy(x, [5])",
        {"x": [[1, 2]]},
        "domain_error",
        [1, 0, 1, 21],
        "integer class indices",
        [],
    ),
    (
        "cross_entropy(x, [0.5])",
        {"x": [[1, 2]]},
        "domain_error",
        [1, 0, 1, 23],
        "integer class indices",
        [],
    ),
    ("x * 2", {}, "missing_input", [1, 0, 1, 1], "no value for input 'x'", []),
    ("x * y", {}, "missing_input", [1, 0, 1, 1], "inputs 'x', 'y'", []),
    ("x", {"x": True}, "bad_input", [1, 0, 1, 1], "not true/false", []),
    ("x", {"x": "abc"}, "bad_input", [1, 0, 1, 1], "not a string", []),
    ("x", {"x": "nan"}, "bad_input", [1, 0, 1, 1], '"NaN"', []),
    ("x", {"x": None}, "bad_input", [1, 0, 1, 1], "not null", []),
    ("x", {"x": {"a": 1}}, "bad_input", [1, 0, 1, 1], "not an object", []),
    ("x", {"x": [[1], [1, 2]]}, "bad_input", [1, 0, 1, 1], "not rectangular", []),
    ("x", {"x": [[1], 2]}, "bad_input", [1, 0, 1, 1], "not rectangular", []),
    ("x", {"x": [1, [2]]}, "bad_input", [1, 0, 1, 1], "not rectangular", []),
    ("x", {"x": []}, "bad_input", [1, 0, 1, 1], "empty list", []),
    ("x", {"x": [True, 1]}, "bad_input", [1, 0, 1, 1], "not true/false", []),
    (
        "1 + x",
        {"x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]},
        "bad_input",
        [1, 4, 1, 5],
        "more than 32 dimensions",
        [],
    ),
]


@pytest.mark.parametrize("expression, inputs, code, span, words, suggestions", EXPRESSION_ERRORS)
def test_expression_errors(refused, expression, inputs, code, span, words, suggestions):
    error = refused(expression, inputs)
    check_error(error, code, span, words)
    assert error["suggestions"] == suggestions


def test_seed_errors(refused):
    check_error(
        refused("x * 2", {"x": [1, 2]}, seed=[1, 2, 3]),
        "bad_input",
        None,
        "the seed (upstream of the output) has shape [3], but the output has shape [2]",
    )
    check_error(refused("x * 2", {"x": 1}, seed="up"), "bad_input", None, "the seed")


# -- limits: each named, with its value and maximum --------------------------------------------
SMALL = Limits(
    max_expression_chars=200,
    max_nodes=20,
    max_depth=10,
    max_tensor_elements=100,
    max_total_elements=300,
    max_work=1000,
    max_check_evaluations=200,
    max_check_work=5000,
    max_body_bytes=2000,
    time_budget=5.0,
)

LIMITS = [
    # expression, inputs, limit name, value, span
    ("x+" * 150 + "x", {"x": 1}, "max_expression_chars", 301, None),
    ("h=x;" + "h=h+x;" * 20, {"x": 1}, "max_nodes", 21, None),
    ("-(" * 11 + "x" + ")" * 11, {"x": 1}, "max_depth", 11, [1, 20, 1, 24]),
    ("x + y", {"x": [[1]] * 20, "y": [[1] * 20]}, "max_tensor_elements", 400, [1, 0, 1, 5]),
    ("x", {"x": [1] * 101}, "max_tensor_elements", 101, [1, 0, 1, 1]),
    ("x", {"x": [[1] * 11] * 10}, "max_tensor_elements", 110, [1, 0, 1, 1]),
    ("exp(x) + exp(x) + exp(x)", {"x": [1] * 60}, "max_total_elements", 360, [1, 0, 1, 24]),
    ("x @ y @ y", {"x": [[1] * 10] * 10, "y": [[1] * 10] * 10}, "max_work", 1200, [1, 0, 1, 5]),
]


@pytest.fixture(scope="module")
def small(make_client):
    return make_client(SMALL)


@pytest.mark.parametrize("expression, inputs, name, value, span", LIMITS)
def test_limits_name_the_limit_and_the_value(small, expression, inputs, name, value, span):
    r = small.post("/api/graph", json={"expression": expression, "inputs": inputs})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "limit_exceeded"
    assert error["limit"] == {"name": name, "value": value, "max": getattr(SMALL, name)}
    assert error["span"] == span
    assert f"{getattr(SMALL, name):,}" in error["message"]


def test_check_limits(small, make_client):
    r = small.post(
        "/api/graph", json={"expression": "sum(x * x)", "inputs": {"x": [1] * 50}, "check": True}
    )
    assert r.status_code == 422
    # 2 runs x 50 elements x 3 nodes, plus 2 x 50 elements for each of the 3 edges
    assert r.json()["error"]["limit"] == {"name": "max_check_evaluations", "value": 600, "max": 200}
    client = make_client(Limits(max_check_work=5000))
    r = client.post(
        "/api/check",
        json={"expression": "sum(x @ y)", "inputs": {"x": [[1] * 6] * 6, "y": [[1] * 6] * 6}},
    )
    assert r.status_code == 422
    # leaves: 2 runs x 72 elements x 109 elements in the graph (36 + 36 + 36 + 1);
    # edges: 2 x 36 x 36 for each matmul input, 2 x 36 x 1 for the sum
    assert r.json()["error"]["limit"] == {"name": "max_check_work", "value": 20_952, "max": 5000}


def test_time_budget(make_client):
    client = make_client(Limits(time_budget=1e-9))
    r = client.post("/api/graph", json={"expression": "x * 2", "inputs": {"x": 1}})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "limit_exceeded" and error["limit"]["name"] == "time_budget"
    assert "time budget" in error["message"]


RESOURCE_EXHAUSTION = [
    # against the default limits: expression, inputs, limit name
    ("x+" * 100_000 + "x", {"x": 1}, "max_expression_chars"),
    ("x+" * 4_000 + "x", {"x": 1}, "max_depth"),  # CPython's parser gives up first
    ("x+" * 1_200 + "x", {"x": 1}, "max_depth"),  # our own count
    ("(" * 10_000 + "x" + ")" * 10_000, {"x": 1}, "max_depth"),
    ("-" * 10_000 + "x", {"x": 1}, "max_depth"),
    ("9" * 5_000, {}, "max_literal_digits"),
    ("x + y", {"x": [[1]] * 10_000, "y": [[1] * 10_000]}, "max_tensor_elements"),
    ("reshape(x, (1, -1)) + reshape(x, (-1, 1))", {"x": [1] * 10_000}, "max_tensor_elements"),
    ("x @ x @ x @ x @ x @ x @ x @ x @ x @ x @ x", {"x": [[1] * 100] * 100}, "max_work"),
    ("sum([" + "1, " * 10_000 + "1])", {}, "max_tensor_elements"),
    ("h = x\n" + "h = h * 1.01\n" * 25_000, {"x": 1}, "max_expression_chars"),
    ("h = x\n" + "h = h*2\n" * 12_000, {"x": 1}, "max_nodes"),
]


@pytest.mark.parametrize(
    "expression, inputs, name",
    RESOURCE_EXHAUSTION,
    ids=[f"{name}-{i}" for i, (_, _, name) in enumerate(RESOURCE_EXHAUSTION)],
)
def test_resource_exhaustion(client, expression, inputs, name):
    r = client.post("/api/graph", json={"expression": expression, "inputs": inputs})
    assert r.status_code == 422, r.text[:300]
    error = r.json()["error"]
    assert error["code"] == "limit_exceeded", error
    assert error["limit"]["name"] == name
    assert client.get("/healthz").json() == {"ok": True}


# -- the request itself: raw bodies --------------------------------------------------------------
JSON = {"content-type": "application/json"}
RAW = [
    # body, headers, status, code, words
    (b"{", JSON, 400, "bad_request", "not valid JSON"),
    (b"", JSON, 400, "bad_request", "empty"),
    (b'{"expression": "x", "inputs": {"x": NaN}}', JSON, 400, "bad_request", "bare NaN"),
    (b'{"expression": "x", "inputs": {"x": Infinity}}', JSON, 400, "bad_request", "not valid"),
    (b'{"expression": "x", "inputs": {"x": -Infinity}}', JSON, 400, "bad_request", "not valid"),
    (b'{"expression": "\\ud800"}', JSON, 400, "bad_request", "surrogate"),
    (b'{"expression": "x", "inputs": {"\\udfff": 1}}', JSON, 400, "bad_request", "surrogate"),
    (b'{"expression": "\xff"}', JSON, 400, "bad_request", "UTF-8"),
    (b'{"expression": "x"}', {"content-type": "text/plain"}, 400, "bad_request", "Content-Type"),
    (b'{"expression": "x"}', {}, 400, "bad_request", "Content-Type"),
    (
        b'{"expression": "x"}',
        {"content-type": "application/x-www-form-urlencoded"},
        400,
        "bad_request",
        "Content-Type",
    ),
    (b"[1, 2]", JSON, 400, "bad_request", "not an array"),
    (b'"x"', JSON, 400, "bad_request", "not a string"),
    (b"null", JSON, 400, "bad_request", "not null"),
    (b"{}", JSON, 400, "bad_request", "expression: Field required"),
    (b'{"expression": 1}', JSON, 400, "bad_request", "expression: Input should be a valid string"),
    (b'{"expression": ["x"]}', JSON, 400, "bad_request", "expression"),
    (b'{"expression": "x", "inputs": [1]}', JSON, 400, "bad_request", "inputs"),
    (b'{"expression": "x", "inputs": {"x": 1}, "check": "yes"}', JSON, 400, "bad_request", "check"),
    (b'{"expression": "x", "inputs": {"x": 1}, "check": 1}', JSON, 400, "bad_request", "check"),
    (b'{"expression": "x", "sigmoid": "both"}', JSON, 400, "bad_request", "sigmoid"),
    (b'{"expression": "x", "extra": 1}', JSON, 400, "bad_request", "extra: Extra inputs"),
    (b'{"expression": "x", "inputs": {"x": 1}}' * 2, JSON, 400, "bad_request", "not valid JSON"),
    (b"[" * 2000 + b"]" * 2000, JSON, 400, "bad_request", "not valid JSON"),
]


@pytest.mark.parametrize("body, headers, status, code, words", RAW)
def test_raw_requests(client, body, headers, status, code, words):
    r = client.post("/api/graph", content=body, headers=headers)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code and words in error["message"], error
    assert error["span"] is None


def test_body_too_large(client):
    big = b'{"expression": "x", "inputs": {"x": [' + b"1," * 600_000 + b"1]}}"
    r = client.post("/api/graph", content=big, headers=JSON)
    assert r.status_code == 413
    error = r.json()["error"]
    assert error["code"] == "body_too_large"
    assert error["limit"] == {"name": "max_body_bytes", "value": len(big), "max": 1_048_576}


def test_body_too_large_without_content_length(client):
    def chunks():  # a generator body is sent chunked, with no Content-Length
        for _ in range(300):
            yield b" " * 10_000

    r = client.post("/api/graph", content=chunks(), headers=JSON)
    assert r.status_code == 413
    assert r.json()["error"]["limit"]["name"] == "max_body_bytes"
    assert "more than" in r.json()["error"]["message"]


def test_bad_content_length(client):
    r = client.post("/api/graph", content=b"{}", headers={**JSON, "content-length": "x"})
    assert r.status_code == 400


NOT_FOUND = [
    ("get", "/api/nothing", 404, "not_found"),
    ("get", "/api/graph", 405, "method_not_allowed"),
    ("post", "/api/examples", 405, "method_not_allowed"),
    ("get", "/static/../../etc/passwd", 404, "not_found"),
    ("get", "/vendor/../pyproject.toml", 404, "not_found"),
]


@pytest.mark.parametrize("method, path, status, code", NOT_FOUND)
def test_not_found_is_json(client, method, path, status, code):
    r = getattr(client, method)(path)
    assert r.status_code == status
    assert r.json()["error"]["code"] == code


def test_an_unused_input_with_a_bad_value_is_refused(client):
    r = client.post("/api/graph", json={"expression": "0", "inputs": {"a": True}})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "bad_input" and "input 'a'" in error["message"]
    ok = client.post("/api/graph", json={"expression": "0", "inputs": {"a": [1, 2]}}).json()
    assert ok["warnings"][0] == "input 'a' is not used by the expression"
