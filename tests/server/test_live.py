"""A real uvicorn server on a free port: slow clients are cut off and never hold the worker."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from servers import serving

ROOT = Path(__file__).resolve().parents[2]
BODY_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    options = ["--workers", "1", "--body-timeout", str(BODY_TIMEOUT), "--max-body-bytes", "100000"]
    # the 9,000-node request must finish however busy the machine is (a full test run)
    options += ["--time-budget", "60"]
    with serving(*options, log=tmp_path_factory.mktemp("live") / "server.log") as url:
        yield int(url.rsplit(":", 1)[1]), url


HEADERS = (
    b"POST /api/graph HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\n\r\n"
)


def read_response(sock: socket.socket, timeout: float) -> tuple[int, dict, bytes]:
    """Status, JSON body, and what came after it (b"" when the server closed the socket)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    while len(rest) < length:
        rest += sock.recv(65536)
    after = sock.recv(100)  # b"" = closed by the server
    return status, json.loads(rest[:length]), after


def sigmoid(url: str) -> tuple[int, float]:
    t = time.monotonic()
    r = httpx.post(
        url + "/api/graph", json={"expression": "1/(1+exp(-z))", "inputs": {"z": 0}}, timeout=5
    )
    assert r.json()["gradients"] == {"z": 0.25}
    return r.status_code, time.monotonic() - t


def test_trickling_client_is_cut_off_while_others_are_served(server):
    port, url = server
    body = b'{"expression": "z", "inputs": {"z": 0}}'
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(HEADERS % len(body))
    stop = threading.Event()

    def trickle():
        for byte in body:
            if stop.is_set():
                return
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                return
            time.sleep(0.1)

    sender = threading.Thread(target=trickle)
    t0 = time.monotonic()
    sender.start()
    try:
        for _ in range(5):  # the one worker keeps serving others meanwhile
            status, took = sigmoid(url)
            assert status == 200 and took < BODY_TIMEOUT  # answered while that client still waits
        status, error, after = read_response(sock, timeout=BODY_TIMEOUT + 5)
        elapsed = time.monotonic() - t0
    finally:
        stop.set()
        sender.join()
        sock.close()
    assert status == 408
    assert error["error"]["code"] == "timeout"
    assert "did not arrive within 1 s" in error["error"]["message"]
    limit = error["error"]["limit"]
    assert limit["name"] == "body_timeout" and limit["max"] == BODY_TIMEOUT
    assert limit["value"] >= BODY_TIMEOUT
    assert BODY_TIMEOUT - 0.1 < elapsed < BODY_TIMEOUT + 2
    assert after == b""  # and the connection is closed


def test_client_that_never_sends_its_body(server):
    port, url = server
    socks = []
    for _ in range(20):  # many silent clients at once on a single worker
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(HEADERS % 100)
        socks.append(sock)
    try:
        status, took = sigmoid(url)
        assert status == 200 and took < BODY_TIMEOUT  # answered while that client still waits
        for sock in socks:
            status, error, _ = read_response(sock, timeout=BODY_TIMEOUT + 5)
            assert status == 408 and error["error"]["code"] == "timeout"
    finally:
        for sock in socks:
            sock.close()
    assert sigmoid(url)[0] == 200


def test_chunked_body_over_the_limit(server):
    _, url = server

    def chunks():
        for _ in range(20):
            yield b" " * 10_000

    r = httpx.post(
        url + "/api/graph",
        content=chunks(),
        headers={"content-type": "application/json"},
        timeout=5,
    )
    assert r.status_code == 413
    limit = r.json()["error"]["limit"]
    assert limit["name"] == "max_body_bytes" and limit["max"] == 100_000
    assert 100_000 < limit["value"] <= 200_000  # counted as it arrives, however it is chunked
    r = httpx.post(
        url + "/api/graph",
        content=b" " * 100_001,
        headers={"content-type": "application/json"},
        timeout=5,
    )
    assert r.status_code == 413 and "100,001 bytes" in r.json()["error"]["message"]
    assert sigmoid(url)[0] == 200


def test_real_server_serves_the_api(server):
    _, url = server
    r = httpx.post(
        url + "/api/graph",
        content=b'{"expression": "x", "inputs": {"x": NaN}}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"
    r = httpx.get(url + "/api/examples")
    assert r.status_code == 200 and r.json()[0]["id"] == "sigmoid"


def test_heavy_request_does_not_stall_the_others(server):
    """While a 9,000-node request runs (in a worker thread), small ones are answered: their
    answers arrive before the heavy one's. Were the event loop blocked, none could."""
    _, url = server
    expression = "h = x\n" + "h = tanh(h*w + b)\n" * 3000
    result = {}

    def heavy():
        r = httpx.post(
            url + "/api/graph",
            json={"expression": expression, "inputs": {"x": 0.5, "w": 0.9, "b": 0.1}},
            timeout=60,
        )
        result["status"], result["done"] = r.status_code, time.monotonic()

    thread = threading.Thread(target=heavy)
    thread.start()
    time.sleep(0.05)
    answered = []  # when each small answer arrived
    while thread.is_alive() and len(answered) < 50:
        sigmoid(url)
        answered.append(time.monotonic())
    thread.join()
    assert result["status"] == 200
    before = [t for t in answered if t < result["done"]]
    assert len(before) >= 3, (len(answered), len(before))
