"""POST /api/diagnose: /api/parse's answer or its refusal, always with status 200."""

from __future__ import annotations

import pytest

from server.config import Limits

OK = ["1/(1+exp(-z))", "h = w1*x\ng = w2*x\nf = g + h", "sum(X @ W, axis=0) + pi", "2 + 3"]


@pytest.mark.parametrize("expression", OK)
def test_an_accepted_expression_carries_the_parse(client, expression):
    r = client.post("/api/diagnose", json={"expression": expression, "sigmoid": "expanded"})
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ["ok", "error", "parse"]
    assert body["ok"] is True
    assert body["error"] is None
    parsed = client.post("/api/parse", json={"expression": expression, "sigmoid": "expanded"})
    assert body["parse"] == parsed.json()


REFUSED = [
    # expression, code, span, suggestions
    ("x +", "syntax_error", [1, 3, 1, 4], []),
    ("tahn(x)", "unknown_function", [1, 0, 1, 4], ["tanh"]),
    ("x.y", "not_allowed", [1, 0, 1, 3], []),
    ("sum(x, foo=1)", "argument_error", [1, 7, 1, 12], []),
    ("h\nh = 1", "unknown_name", [1, 0, 1, 1], []),
    ("", "syntax_error", None, []),  # an empty editor is reported, not refused
    ("-(" * 1001 + "x" + ")" * 1001, "limit_exceeded", None, []),
]


@pytest.mark.parametrize("expression, code, span, suggestions", REFUSED)
def test_a_refused_expression_carries_the_error(client, expression, code, span, suggestions):
    r = client.post("/api/diagnose", json={"expression": expression})
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ["ok", "error", "parse"]
    assert body["ok"] is False
    assert body["parse"] is None
    error = body["error"]
    assert error["code"] == code
    if span is not None:
        assert error["span"] == span
    assert error["suggestions"] == suggestions
    assert isinstance(error["message"], str) and error["message"]
    if expression:  # exactly what /api/parse refuses with
        parsed = client.post("/api/parse", json={"expression": expression})
        assert parsed.status_code == 422
        assert error == parsed.json()["error"]


def test_a_limit_carries_its_name_value_and_maximum(make_client):
    client = make_client(Limits(max_expression_chars=20))
    body = client.post("/api/diagnose", json={"expression": "x+" * 15 + "x"}).json()
    assert body["ok"] is False
    assert body["error"]["code"] == "limit_exceeded"
    assert body["error"]["limit"] == {"name": "max_expression_chars", "value": 31, "max": 20}


def test_no_limit_field_when_no_limit_is_met(client):
    error = client.post("/api/diagnose", json={"expression": "tahn(x)"}).json()["error"]
    assert "limit" not in error


JSON = {"content-type": "application/json"}
MALFORMED = [
    (b"x +", JSON, "not valid JSON"),
    (b"", JSON, "empty"),
    (b'"x"', JSON, "not a string"),
    (b"{}", JSON, "expression: Field required"),
    (b'{"expression": 1}', JSON, "expression: Input should be a valid string"),
    (b'{"expression": "x", "inputs": {}}', JSON, "inputs: Extra inputs"),
    (b'{"expression": "x", "sigmoid": "both"}', JSON, "sigmoid"),
    (b'{"expression": "x"}', {"content-type": "text/plain"}, "Content-Type"),
]


@pytest.mark.parametrize("body, headers, words", MALFORMED)
def test_a_malformed_request_is_still_400(client, body, headers, words):
    r = client.post("/api/diagnose", content=body, headers=headers)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "bad_request"
    assert words in error["message"]


@pytest.mark.parametrize("expression", ["tanh(x) * 3", "tanh(x) *"])
def test_answers_are_cached_like_parse(make_client, expression):
    client = make_client()
    first = client.post("/api/diagnose", json={"expression": expression})
    again = client.post("/api/diagnose", json={"expression": expression})
    assert first.headers["server-timing"].startswith("app;dur=")
    assert again.headers["server-timing"] == "cache;desc=hit"
    assert again.json() == first.json()
