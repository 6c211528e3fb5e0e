"""The response cache: identical small requests get identical answers, refusals are not kept."""

from __future__ import annotations

from server.cache import ResponseCache

SIGMOID = b'{"expression": "1/(1+exp(-z))", "inputs": {"z": 0.5}}'
JSON = {"content-type": "application/json"}


def test_repeated_request_is_answered_from_the_cache(make_client):
    client = make_client()
    first = client.post("/api/graph", content=SIGMOID, headers=JSON)
    second = client.post("/api/graph", content=SIGMOID, headers=JSON)
    assert first.status_code == second.status_code == 200
    assert first.headers["server-timing"].startswith("app;dur=")
    assert second.headers["server-timing"] == "cache;desc=hit"
    assert first.content == second.content
    assert second.headers["content-type"] == "application/json"


def test_the_cache_still_checks_the_content_type(make_client):
    client = make_client()
    client.post("/api/graph", content=SIGMOID, headers=JSON)
    r = client.post("/api/graph", content=SIGMOID, headers={"content-type": "text/plain"})
    assert r.status_code == 400


def test_refusals_and_big_requests_are_not_cached(make_client):
    client = make_client()
    bad = b'{"expression": "tahn(z)", "inputs": {"z": 0}}'
    for _ in range(2):
        r = client.post("/api/graph", content=bad, headers=JSON)
        assert r.status_code == 422 and "server-timing" not in r.headers
    big = b'{"expression": "sum(z)", "inputs": {"z": [' + b"1, " * 400 + b"1]}}"
    for _ in range(2):
        r = client.post("/api/graph", content=big, headers=JSON)
        assert r.headers["server-timing"].startswith("app;")  # computed both times


def test_parse_is_cached_too(make_client):
    client = make_client()
    body = b'{"expression": "w*x"}'
    client.post("/api/parse", content=body, headers=JSON)
    r = client.post("/api/parse", content=body, headers=JSON)
    assert r.headers["server-timing"] == "cache;desc=hit"
    assert [i["name"] for i in r.json()["inputs"]] == ["w", "x"]


def test_no_cache(tmp_path):
    from fastapi.testclient import TestClient

    from server.app import create_app

    client = TestClient(create_app(cache_entries=0, static_dir=tmp_path))
    for _ in range(2):
        r = client.post("/api/graph", content=SIGMOID, headers=JSON)
        assert r.headers["server-timing"].startswith("app;")


def test_lru_eviction_and_size_bound():
    cache = ResponseCache(entries=2, max_response_bytes=10)
    cache.put("a", b"1")
    cache.put("b", b"2")
    assert cache.get("a") == b"1"  # a is now the most recent
    cache.put("c", b"3")
    assert cache.get("b") is None and cache.get("a") == b"1" and cache.get("c") == b"3"
    cache.put("d", b"x" * 11)
    assert cache.get("d") is None


def test_small_body_with_big_work_moves_to_a_thread(make_client):
    # 300 bytes of body, but a 10,000-element tensor: too much for the event loop
    client = make_client()
    body = (
        b'{"expression": "h = reshape(x, (100, 1)) + reshape(x, (1, 100))\\nsum(h * h)", '
        b'"inputs": {"x": [' + b", ".join(b"1" for _ in range(100)) + b"]}}"
    )
    assert len(body) < 1024
    r = client.post("/api/graph", content=body, headers=JSON)
    assert r.status_code == 200
    assert r.json()["nodes"][-1]["value"] == 40_000.0
    r = client.post("/api/graph", content=body, headers=JSON)
    assert r.headers["server-timing"].startswith("app;")  # computed in a thread: not cached
