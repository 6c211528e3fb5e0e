"""Spans count Unicode code points: the service's side of tests/cases/spans.json (the page's side
reads the same file in tests/node/spans.test.mjs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CASES = json.loads((Path(__file__).parent.parent / "cases" / "spans.json").read_text("utf-8"))


def covered(expression: str, span: list[int]) -> str:
    """The text a span covers, counting code points (Python's str indexing)."""
    line, col, end_line, end_col = span
    assert line == end_line, "the cases keep to one line"
    return expression.splitlines()[line - 1][col:end_col]


@pytest.mark.parametrize("case", CASES["errors"], ids=lambda c: c["expression"])
def test_error_span(client, case):
    r = client.post("/api/graph", json={"expression": case["expression"], "inputs": case["inputs"]})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == case["code"]
    assert error["span"] == case["span"]
    assert covered(case["expression"], error["span"]) == case["text"]
    if "suggestion" in case:
        assert error["suggestions"][0] == case["suggestion"]


@pytest.mark.parametrize("case", CASES["nodes"], ids=lambda c: f"{c['expression']} {c['op']}")
def test_node_span(client, case):
    r = client.post("/api/graph", json={"expression": case["expression"], "inputs": case["inputs"]})
    assert r.status_code == 200, r.text
    (node,) = [n for n in r.json()["nodes"] if n["op"] == case["op"]]
    assert node["span"] == case["span"]
    assert covered(case["expression"], node["span"]) == case["text"]
