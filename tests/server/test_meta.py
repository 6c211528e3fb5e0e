"""GET /api/examples, /api/ops, /api/limits, /healthz, /docs, and the page and vendor mounts."""

from __future__ import annotations

from fastapi.testclient import TestClient

import engine
from server.app import create_app
from server.config import Limits


def test_examples_in_the_issue_order(client):
    r = client.get("/api/examples")
    assert r.status_code == 200
    examples = r.json()
    assert [e["id"] for e in examples][:4] == [
        "sigmoid",
        "fanout",
        "cs231n-simple",
        "cs231n-neuron",
    ]
    first, second = examples[0], examples[1]
    assert (first["expression"], first["inputs"]) == ("1/(1+exp(-z))", {"z": 0})
    assert second["expression"] == "h = w1*x\ng = w2*x\nf = g + h"
    assert second["inputs"] == {"w1": 2, "w2": 3, "x": 0}
    assert examples[2]["inputs"] == {"x": -2, "y": 5, "z": -4}
    assert examples[3]["inputs"] == {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}
    ids = [e["id"] for e in examples]
    assert ids.index("micrograd-neuron") < ids.index("broadcast") < ids.index("mlp")
    for e in examples:
        assert set(e) >= {"id", "title", "description", "expression", "inputs"}


def test_ops_are_the_registry_as_it_is(client):
    ops = client.get("/api/ops").json()
    assert ops == engine.describe_ops()  # one registered in a test too: test_toy_op.py
    assert [op["name"] for op in ops] == list(engine.OPS)
    by_name = {op["name"]: op for op in ops}
    assert by_name["sum"]["signature"] == "sum(x, axis=None, keepdims=False)"
    assert (by_name["mul"]["operator"], by_name["tanh"]["operator"]) == ("*", None)
    assert by_name["mul"]["precedence"] > by_name["add"]["precedence"]


def test_operators_are_the_binary_ops_symbols(client):
    operators = client.get("/api/limits").json()["operators"]
    binary = [op for op in client.get("/api/ops").json() if op["arity"] == 2]
    assert operators == sorted(op["operator"] for op in binary if op["operator"])
    assert operators == sorted(["+", "-", "*", "/", "**", "@"])


def test_limits_and_healthz(client):
    assert client.get("/healthz").json() == {"ok": True}
    body = client.get("/api/limits").json()
    assert body["limits"] == Limits().as_dict()
    assert set(body["constants"]) == {"pi", "e"}


def test_docs_need_no_cdn(client):
    r = client.get("/docs")
    assert r.status_code == 200
    assert "cdn" not in r.text.lower()
    assert "https://" not in r.text and "http://" not in r.text
    spec = client.get("/openapi.json").json()
    assert {
        "/api/graph",
        "/api/parse",
        "/api/check",
        "/api/examples",
        "/api/ops",
        "/healthz",
    } <= set(spec["paths"])
    body = spec["paths"]["/api/graph"]["post"]["requestBody"]["content"]["application/json"]
    name = body["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(spec["components"]["schemas"][name]["properties"]) == {
        "expression",
        "inputs",
        "seed",
        "check",
        "sigmoid",
        "tangents",
    }


def test_page_and_vendor_mounts(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_text("<!doctype html><title>page</title>")
    (static / "app.js").write_text("export {}")
    vendor = tmp_path / "node_modules"
    (vendor / "katex" / "dist").mkdir(parents=True)
    (vendor / "katex" / "dist" / "katex.mjs").write_text("export default {}")
    (vendor / "swagger-ui-dist").mkdir()
    (vendor / "swagger-ui-dist" / "swagger-ui-bundle.js").write_text("")
    client = TestClient(create_app(Limits(), static_dir=static, vendor_dir=vendor))
    r = client.get("/")
    assert r.status_code == 200 and "<title>page</title>" in r.text
    r = client.get("/vendor/katex/dist/katex.mjs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert client.get("/app.js").headers["content-type"].startswith("text/javascript")
    assert "/vendor/swagger-ui-dist/swagger-ui-bundle.js" in client.get("/docs").text
    # the API still wins over the page
    assert client.get("/healthz").json() == {"ok": True}


def test_no_vendor_mount_without_node_modules(tmp_path):
    client = TestClient(create_app(Limits(), static_dir=tmp_path, vendor_dir=tmp_path / "none"))
    r = client.get("/vendor/katex/dist/katex.mjs")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.get("/").status_code == 404  # no index.html: a JSON 404, not a crash


def test_limits_from_the_environment(monkeypatch, make_client):
    monkeypatch.setenv("BPE_MAX_NODES", "7")
    monkeypatch.setenv("BPE_TIME_BUDGET", "0.5")
    limits = Limits.from_env()
    assert (limits.max_nodes, limits.time_budget) == (7, 0.5)
    client = make_client(limits)
    r = client.post("/api/graph", json={"expression": "x+x+x+x+x+x+x+x", "inputs": {"x": 1}})
    assert r.json()["error"]["limit"] == {"name": "max_nodes", "value": 8, "max": 7}


def test_bad_environment_values_fail_loudly(monkeypatch):
    import pytest

    for value in ["abc", "-1", "0"]:
        monkeypatch.setenv("BPE_MAX_NODES", value)
        with pytest.raises(ValueError, match="BPE_MAX_NODES"):
            Limits.from_env()


def test_live_limits_read_the_environment_the_same_way():
    import pytest

    from server.live.config import LiveLimits

    limits = LiveLimits.from_env({"BPE_MAX_SESSIONS": "3", "BPE_ANSWER_REFILL": " 0.5 "})
    assert (limits.max_sessions, limits.answer_refill) == (3, 0.5)
    assert LiveLimits.from_env({"BPE_MAX_SESSIONS": ""}).max_sessions == LiveLimits().max_sessions
    for value in ["abc", "-1", "0", "2.5"]:
        with pytest.raises(ValueError, match="BPE_MAX_SESSIONS"):
            LiveLimits.from_env({"BPE_MAX_SESSIONS": value})
