"""The traces the Node tests read (tests/node/traces/*.json) are what POST /api/graph answers
today, so the page's logic is tested on the service's real output, not on a hand-written copy.

When the service's answer changes on purpose, write them again:
    BACKPROP_WRITE_TRACES=1 .venv/bin/python -m pytest tests/node/test_traces.py
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402

from server.app import create_app  # noqa: E402

TRACES = Path(__file__).parent / "traces"
REQUESTS = {
    "fanout": {"expression": "w1*x + w2*x", "inputs": {"w1": 2, "w2": 3, "x": 0}},
    "sigmoid": {"expression": "1/(1+exp(-z))", "inputs": {"z": 0}},
    "square": {"expression": "x*x", "inputs": {"x": 3}},
    "constant": {"expression": "2*x + 1", "inputs": {"x": 0.5}},
    "broadcast": {
        "expression": "sum(X @ W + b)",
        "inputs": {"X": [[1, 2], [3, 4]], "W": [[1, 0, -1], [0.5, 2, 1]], "b": [0.1, 0.2, 0.3]},
    },
    # forward mode: tangents along z
    "sigmoid_forward": {"expression": "1/(1+exp(-z))", "inputs": {"z": 0}, "tangents": {"z": 1}},
}


def steady(response: dict) -> dict:
    """The answer without what differs from run to run: forward mode's timings of one pass."""
    if "passes" in response:
        response["passes"].update(forward_ms=0.05, reverse_ms=0.05)
    return response


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app())


@pytest.mark.parametrize("name", REQUESTS)
def test_trace_file_is_the_service_answer(client, name):
    request = REQUESTS[name]
    r = client.post("/api/graph", json=request)
    assert r.status_code == 200, r.text
    want = {"request": request, "response": steady(r.json())}
    path = TRACES / f"{name}.json"
    if os.environ.get("BACKPROP_WRITE_TRACES"):
        path.write_text(json.dumps(want, indent=1, ensure_ascii=False) + "\n", "utf-8")
    assert json.loads(path.read_text("utf-8")) == want, (
        f"{path.name} is out of date: see this file's docstring"
    )


def test_every_trace_file_has_a_request():
    assert sorted(p.stem for p in TRACES.glob("*.json")) == sorted(REQUESTS)
