"""Live class sessions against real servers and real clients (httpx, SSE): the contract of
docs/api.md "Live sessions", what students receive, refusals, polls, caps, and the Redis backend
(a real redis-server started here, never a mock) with two processes serving one session."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from servers import free_port, serving
from sse import events, run_async

#: Seconds a test waits for an event before it fails (a hang guard, not a timed assertion).
WAIT = 20


def headers(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    options = ["--max-session-streams", "3", "--max-poll-answers", "3"]
    options += ["--answer-refill", "3600"]  # no answer comes back during a test: counts are exact
    with serving(*options, log=tmp_path_factory.mktemp("sessions") / "server.log") as url:
        yield url


def new_session(url: str, body: dict | None = None) -> tuple[str, str]:
    r = httpx.post(f"{url}/api/sessions", json=body) if body else httpx.post(f"{url}/api/sessions")
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["presenter_token"]


class Student:
    """One EventSource-like reader of a session's events, in a running event loop."""

    def __init__(self, client: httpx.AsyncClient, url: str, sid: str, last_id: str | None = None):
        self.client, self.url, self.sid, self.last_id = client, url, sid, last_id

    async def __aenter__(self):
        h = {"last-event-id": self.last_id} if self.last_id else {}
        self._cm = self.client.stream(
            "GET", f"{self.url}/api/sessions/{self.sid}/events", headers=h
        )
        self.response = await self._cm.__aenter__()
        self._events = events(self.response)
        return self

    async def __aexit__(self, *exc):
        await self._cm.__aexit__(*exc)

    async def next(self) -> dict:
        return await asyncio.wait_for(anext(self._events), WAIT)


# -- the contract ---------------------------------------------------------------------------------
def test_a_session_starts_with_a_join_link_and_a_presenter_token(server):
    r = httpx.post(f"{server}/api/sessions")
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"id", "join_url", "presenter_token"}
    assert len(body["id"]) == 6
    assert body["join_url"] == f"{server}/?join={body['id']}"
    assert len(body["presenter_token"]) >= 32
    state = httpx.get(f"{server}/api/sessions/{body['id']}").json()
    assert state["id"] == body["id"]
    assert state["version"] == 1
    assert state["expression"] == "1/(1+exp(-z))"
    assert state["inputs"] == {"z": 0.0}
    assert state["step"] == 0
    assert state["lesson"] is None and state["slide"] is None and state["poll"] is None
    # the code is read in any case
    assert httpx.get(f"{server}/api/sessions/{body['id'].lower()}").status_code == 200


def test_a_session_can_start_from_a_lesson_and_a_state(server):
    body = {"lesson": "cs231n", "slide": 2, "expression": "x*y", "inputs": {"x": 2, "y": 3}}
    sid, _ = new_session(server, body)
    state = httpx.get(f"{server}/api/sessions/{sid}").json()
    assert (state["lesson"], state["slide"], state["expression"]) == ("cs231n", 2, "x*y")
    assert state["inputs"] == {"x": 2, "y": 3}


def test_a_lesson_brings_its_slide_and_each_slide_change_its_graph(server):
    lesson = httpx.get(f"{server}/api/lessons/post").json()
    first, third = lesson["slides"][0], lesson["slides"][2]
    sid, token = new_session(server, {"lesson": "post"})
    state = httpx.get(f"{server}/api/sessions/{sid}").json()
    assert (state["lesson"], state["slide"]) == ("post", 1)
    assert (state["expression"], state["inputs"]) == (first["expression"], first["inputs"])
    assert (state["sigmoid"], state["step"]) == (first["sigmoid"], first["step"])
    put = f"{server}/api/sessions/{sid}/state"
    r = httpx.put(put, json={"slide": 3}, headers=headers(token))
    assert r.status_code == 200, r.text
    state = r.json()
    assert (state["lesson"], state["slide"], state["version"]) == ("post", 3, 2)
    assert (state["expression"], state["inputs"]) == (third["expression"], third["inputs"])
    # the presenter's own edit of a slide is theirs, still on that slide
    r = httpx.put(put, json={"slide": 3, "expression": "w1*x", "inputs": {"w1": 2, "x": 0}},
                  headers=headers(token))  # fmt: skip
    assert (r.json()["slide"], r.json()["expression"]) == (3, "w1*x")
    # closing the lesson keeps the graph shown
    r = httpx.put(put, json={"lesson": None}, headers=headers(token))
    assert (r.json()["lesson"], r.json()["slide"], r.json()["expression"]) == (None, None, "w1*x")


def test_the_qr_code_is_an_svg_of_the_join_link(server):
    sid, _ = new_session(server)
    r = httpx.get(f"{server}/api/sessions/{sid}/qr.svg")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/svg+xml"
    assert r.text.startswith("<?xml") and "<svg" in r.text and sid in r.text


REFUSALS = [
    # (what, headers, body, status, code)
    ("no token", {}, {"step": 1}, 401, "unauthorized"),
    ("not a bearer token", {"authorization": "Basic eDp5"}, {"step": 1}, 401, "unauthorized"),
    ("a forged token", {"authorization": "Bearer forged-token-123"}, {"step": 1}, 403, "forbidden"),
    ("a bad expression", "TOKEN", {"expression": "tahn(z)"}, 422, "unknown_function"),
    ("a missing input", "TOKEN", {"expression": "x*y", "inputs": {"x": 1}}, 422, "missing_input"),
    ("a negative step", "TOKEN", {"step": -1}, 400, "bad_request"),
    ("an unknown field", "TOKEN", {"colour": "red"}, 400, "bad_request"),
    ("a step as text", "TOKEN", {"step": "3"}, 400, "bad_request"),
    ("an unknown lesson", "TOKEN", {"lesson": "no-such-lesson"}, 422, "bad_lesson"),
    ("a slide past the lesson", "TOKEN", {"lesson": "post", "slide": 99}, 422, "bad_lesson"),
    ("a slide without a lesson", "TOKEN", {"slide": 2}, 422, "bad_lesson"),
    ("slide 0 (they count from 1)", "TOKEN", {"lesson": "post", "slide": 0}, 400, "bad_request"),
]


@pytest.mark.parametrize("what, auth, body, status, code", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_refused_change_is_never_broadcast(server, what, auth, body, status, code):
    sid, token = new_session(server)
    auth = headers(token) if auth == "TOKEN" else auth

    async def run():
        async with httpx.AsyncClient(timeout=WAIT) as client, Student(client, server, sid) as s:
            first = await s.next()
            assert (first["id"], first["data"]["version"]) == ("1", 1)
            r = await client.put(f"{server}/api/sessions/{sid}/state", json=body, headers=auth)
            assert r.status_code == status, r.text
            assert r.json()["error"]["code"] == code
            # the next event the student sees is the next accepted change: nothing in between
            ok = await client.put(
                f"{server}/api/sessions/{sid}/state", json={"step": 7}, headers=headers(token)
            )
            assert ok.status_code == 200
            event = await s.next()
            assert (event["id"], event["data"]["version"], event["data"]["step"]) == ("2", 2, 7)

    run_async(run())


def test_an_unknown_session_is_404_everywhere(server):
    _, token = new_session(server)
    for method, path in [
        ("GET", "/api/sessions/ZZZZZZ"),
        ("GET", "/api/sessions/nope"),
        ("PUT", "/api/sessions/ZZZZZZ/state"),
        ("GET", "/api/sessions/ZZZZZZ/events"),
        ("GET", "/api/sessions/ZZZZZZ/qr.svg"),
    ]:
        r = httpx.request(method, f"{server}{path}", json={"step": 1}, headers=headers(token))
        assert r.status_code == 404, (method, path)
        assert r.json()["error"]["code"] == "not_found"


# -- following ------------------------------------------------------------------------------------
def test_students_follow_five_changes_in_order_with_no_gap(server):
    sid, token = new_session(server)

    async def run():
        async with httpx.AsyncClient(timeout=WAIT) as client:
            async with Student(client, server, sid) as a, Student(client, server, sid) as b:
                for s in (a, b):
                    assert (await s.next())["data"]["version"] == 1
                for step in range(1, 6):
                    r = await client.put(
                        f"{server}/api/sessions/{sid}/state",
                        json={"step": step},
                        headers=headers(token),
                    )
                    assert r.json()["version"] == step + 1
                for s in (a, b):
                    seen = [await s.next() for _ in range(5)]
                    assert [e["event"] for e in seen] == ["state"] * 5
                    assert [e["id"] for e in seen] == ["2", "3", "4", "5", "6"]
                    assert [e["data"]["step"] for e in seen] == [1, 2, 3, 4, 5]
                    assert all(e["data"]["expression"] == "1/(1+exp(-z))" for e in seen)

    run_async(run())


def test_a_reconnect_with_last_event_id_resumes_at_the_latest_state(server):
    sid, token = new_session(server)
    for step in range(1, 6):
        httpx.put(
            f"{server}/api/sessions/{sid}/state", json={"step": step}, headers=headers(token)
        ).raise_for_status()

    async def run():
        async with httpx.AsyncClient(timeout=WAIT) as client:
            async with Student(client, server, sid, last_id="3") as s:
                first = await s.next()  # not versions 4 and 5: the whole latest state
                assert (first["id"], first["data"]["step"]) == ("6", 5)
            # a reader that has the latest state gets nothing until the next change
            async with Student(client, server, sid, last_id="6") as s:
                await client.put(
                    f"{server}/api/sessions/{sid}/state",
                    json={"expression": "x*y", "inputs": {"x": 2, "y": -3}},
                    headers=headers(token),
                )
                event = await s.next()
                assert event["id"] == "7"
                assert event["data"]["expression"] == "x*y"
                assert event["data"]["step"] == 5
            # an id from another life of the server (larger than any version) gets the state
            async with Student(client, server, sid, last_id="999") as s:
                assert (await s.next())["id"] == "7"

    run_async(run())


def test_streams_past_the_cap_are_refused_with_503(server):
    sid, _ = new_session(server)

    async def run():
        async with httpx.AsyncClient(timeout=WAIT) as client:
            async with contextlib.AsyncExitStack() as stack:
                for _ in range(3):  # --max-session-streams 3
                    s = await stack.enter_async_context(Student(client, server, sid))
                    await s.next()
                r = await client.get(f"{server}/api/sessions/{sid}/events")
                assert r.status_code == 503
                assert r.headers["retry-after"] == "5"
                assert "--max-session-streams" in r.json()["error"]["message"]
            # the streams closed: there is room again
            async with Student(client, server, sid) as s:
                assert s.response.status_code == 200

    run_async(run())


# -- polls ----------------------------------------------------------------------------------------
def ask(url: str, sid: str, token: str, edge: str, quantity: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/sessions/{sid}/polls",
        json={"edge": edge, "quantity": quantity},
        headers=headers(token),
    )


def answer(url: str, sid: str, poll: str, client: str, value) -> httpx.Response:
    return httpx.post(
        f"{url}/api/sessions/{sid}/polls/{poll}/answers", json={"client": client, "value": value}
    )


def test_a_poll_counts_answers_and_reveals_a_histogram(server):
    # x*y at x=2, y=-3: the edge from x carries local = y = -3 and downstream = 1 * -3 = -3
    sid, token = new_session(server, {"expression": "x*y + x", "inputs": {"x": 2, "y": -3}})
    trace = httpx.post(
        f"{server}/api/graph", json={"expression": "x*y + x", "inputs": {"x": 2, "y": -3}}
    ).json()
    x = next(n["id"] for n in trace["nodes"] if n["name"] == "x")
    mul = next(n["id"] for n in trace["nodes"] if n["op"] == "mul")
    edge = next(e for e in trace["edges"] if e["source"] == x and e["target"] == mul)
    r = ask(server, sid, token, edge["id"], "local")
    assert r.status_code == 201, r.text
    poll = r.json()
    assert (poll["quantity"], poll["revealed"], poll["results"]) == ("local", False, None)
    assert "local gradient" in poll["question"]
    assert httpx.get(f"{server}/api/sessions/{sid}").json()["poll"] == poll

    assert answer(server, sid, poll["id"], "student-a1", "5").json()["replaced"] is False
    assert answer(server, sid, poll["id"], "student-a1", "-3").json()["replaced"] is True
    assert answer(server, sid, poll["id"], "student-b2", 2).json()["value"] == 2.0
    assert answer(server, sid, poll["id"], "student-c3", "-3.0001").status_code == 200
    # --max-poll-answers 3: a fourth student is refused, the others may still change theirs
    full = answer(server, sid, poll["id"], "student-d4", 1)
    assert full.status_code == 409 and "--max-poll-answers" in full.json()["error"]["message"]

    status = httpx.get(f"{server}/api/sessions/{sid}/polls/{poll['id']}").json()
    assert status == {
        "id": poll["id"],
        "count": 3,
        "revealed": False,
        "results": None,
        "mine": None,
    }
    mine = httpx.get(f"{server}/api/sessions/{sid}/polls/{poll['id']}?client=student-b2").json()
    assert mine["mine"] == {"value": 2.0, "right": None}  # not before the reveal
    peek = httpx.get(f"{server}/api/sessions/{sid}/polls/{poll['id']}", headers=headers(token))
    assert peek.json()["results"]["right"] == 2

    forged = httpx.post(
        f"{server}/api/sessions/{sid}/polls/{poll['id']}/reveal", headers=headers("forged")
    )
    assert forged.status_code == 403
    shown = httpx.post(
        f"{server}/api/sessions/{sid}/polls/{poll['id']}/reveal", headers=headers(token)
    ).json()
    assert shown["revealed"] is True
    results = shown["results"]
    assert (results["count"], results["right"], results["answer"], results["other"]) == (
        3,
        2,
        -3.0,
        0,
    )
    assert results["histogram"] == [
        {"value": -3.0, "count": 2, "right": True},
        {"value": 2.0, "count": 1, "right": False},
    ]
    state = httpx.get(f"{server}/api/sessions/{sid}").json()
    assert state["poll"]["results"] == results
    for client, value, right in [("student-a1", -3.0, True), ("student-b2", 2.0, False)]:
        r = httpx.get(f"{server}/api/sessions/{sid}/polls/{poll['id']}?client={client}")
        assert r.json()["mine"] == {"value": value, "right": right}
    closed = answer(server, sid, poll["id"], "student-a1", "1")
    assert closed.status_code == 409


POLL_REFUSALS = [
    # (edge, quantity, answer value, status, code)
    ("e999", "local", None, 422, "bad_poll"),  # no such edge
    ("e0", "sideways", None, 400, "bad_request"),
    (None, None, "abc", 400, "bad_request"),
    (None, None, "1" * 33, 400, "bad_request"),  # over 32 characters
    (None, None, "NaN", 400, "bad_request"),
    (None, None, "0x10", 400, "bad_request"),
    (None, None, "1e999", 422, "bad_poll"),
    (None, None, True, 400, "bad_request"),
]


@pytest.mark.parametrize("edge, quantity, value, status, code", POLL_REFUSALS)
def test_bad_polls_and_answers_are_refused(server, edge, quantity, value, status, code):
    sid, token = new_session(server, {"expression": "x*y", "inputs": {"x": 2, "y": 3}})
    if edge is not None:
        r = ask(server, sid, token, edge, quantity)
    else:
        poll = ask(server, sid, token, "e0", "downstream").json()["id"]
        r = answer(server, sid, poll, "student-zz", value)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code


def test_a_flood_of_answers_from_one_browser_is_429(server):
    sid, token = new_session(server, {"expression": "x*y", "inputs": {"x": 2, "y": 3}})
    poll = ask(server, sid, token, "e0", "downstream").json()["id"]
    statuses = [answer(server, sid, poll, "flooder-1", i).status_code for i in range(12)]
    assert statuses[:5] == [200] * 5  # the burst (default 5), then one an hour here
    assert set(statuses[5:]) == {429}
    r = answer(server, sid, poll, "flooder-1", 1)
    assert int(r.headers["retry-after"]) >= 1
    assert r.json()["error"]["code"] == "rate_limited"
    # another student is not held back by the flood
    assert answer(server, sid, poll, "student-ok", 3).status_code == 200


def test_a_change_of_expression_closes_the_poll(server):
    sid, token = new_session(server, {"expression": "x*y", "inputs": {"x": 2, "y": 3}})
    ask(server, sid, token, "e0", "downstream").raise_for_status()
    state = httpx.put(
        f"{server}/api/sessions/{sid}/state", json={"step": 2}, headers=headers(token)
    ).json()
    assert state["poll"] is not None  # stepping keeps it
    state = httpx.put(
        f"{server}/api/sessions/{sid}/state",
        json={"inputs": {"x": 1, "y": 3}},
        headers=headers(token),
    ).json()
    assert state["poll"] is None


# -- capacity and processes -----------------------------------------------------------------------
def test_sessions_past_the_cap_are_refused_with_503(tmp_path):
    with serving("--max-sessions", "2", log=tmp_path / "server.log") as url:
        new_session(url)
        new_session(url)
        r = httpx.post(f"{url}/api/sessions")
        assert r.status_code == 503
        assert "--max-sessions" in r.json()["error"]["message"]
        assert r.headers["retry-after"] == "60"


def test_serve_live_starts_a_session_and_prints_how_to_join(tmp_path):
    log = tmp_path / "server.log"
    with serving("--live", log=log) as url:
        text = log.read_text()
        code = re.search(r"Live session ([A-Z0-9]{6}): students open (\S+)", text)
        assert code.group(2) == f"{url}/?join={code.group(1)}"
        token = re.search(r"#presenter=(\S+)", text).group(1)
        assert "\u2588" in text  # the QR code, in block characters
        r = httpx.put(
            f"{url}/api/sessions/{code.group(1)}/state", json={"step": 2}, headers=headers(token)
        )
        assert r.json()["version"] == 2


def test_several_workers_without_redis_refuse_live_sessions(tmp_path):
    with serving("--workers", "2", log=tmp_path / "server.log") as url:
        r = httpx.post(f"{url}/api/sessions")
        assert r.status_code == 503
        assert "--redis-url" in r.json()["error"]["message"]
        assert httpx.post(
            f"{url}/api/graph", json={"expression": "x", "inputs": {"x": 1}}
        ).is_success


# -- Redis ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A real redis-server on a free port, no persistence, stopped after the module."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is missing: apt-get install redis-server (.ci/run does)")
    port = free_port()
    work = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            break
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("redis-server did not start")
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


def follow_across(presenter_url: str, student_urls: list[str], sid: str, token: str) -> None:
    """Students on `student_urls` receive, in order, five changes PUT to `presenter_url`."""

    async def run():
        async with httpx.AsyncClient(timeout=WAIT) as client:
            async with contextlib.AsyncExitStack() as stack:
                students = [
                    await stack.enter_async_context(Student(client, url, sid))
                    for url in student_urls
                ]
                first = [await s.next() for s in students]
                version = first[0]["data"]["version"]
                assert {e["data"]["version"] for e in first} == {version}
                for step in range(1, 6):
                    # a new connection each time: with two workers, either may answer
                    async with httpx.AsyncClient(timeout=WAIT) as fresh:
                        r = await fresh.put(
                            f"{presenter_url}/api/sessions/{sid}/state",
                            json={"step": step},
                            headers=headers(token),
                        )
                        assert r.status_code == 200, r.text
                for s in students:
                    seen = [await s.next() for _ in range(5)]
                    assert [e["data"]["step"] for e in seen] == [1, 2, 3, 4, 5]
                    assert [int(e["id"]) for e in seen] == list(range(version + 1, version + 6))

    run_async(run())


def test_redis_two_workers_serve_one_session(redis_url, tmp_path):
    with serving("--workers", "2", "--redis-url", redis_url, log=tmp_path / "server.log") as url:
        sid, token = new_session(url)
        follow_across(url, [url] * 6, sid, token)
        poll = ask(url, sid, token, "e0", "downstream").json()["id"]

        async def everyone_at_once(n: int) -> list[int]:
            limits = httpx.Limits(max_connections=n)
            async with httpx.AsyncClient(timeout=60, limits=limits) as client:
                answers = [
                    client.post(
                        f"{url}/api/sessions/{sid}/polls/{poll}/answers",
                        json={"client": f"student-{i:04d}", "value": 0.25},
                    )
                    for i in range(n)
                ]
                return [r.status_code for r in await asyncio.gather(*answers)]

        # more at once than a worker's connections to Redis (50): they wait their turn
        assert run_async(everyone_at_once(120)) == [200] * 120
        status = httpx.get(f"{url}/api/sessions/{sid}/polls/{poll}", headers=headers(token))
        assert status.json()["count"] == 120


def test_redis_students_on_one_host_follow_a_presenter_on_another(redis_url, tmp_path):
    with (
        serving("--redis-url", redis_url, log=tmp_path / "a.log") as a,
        serving("--redis-url", redis_url, log=tmp_path / "b.log") as b,
    ):
        sid, token = new_session(a)
        assert httpx.get(f"{b}/api/sessions/{sid}").json()["id"] == sid
        follow_across(a, [b, b, a], sid, token)
        forged = httpx.put(f"{b}/api/sessions/{sid}/state", json={"step": 1}, headers=headers("x"))
        assert forged.status_code == 403


def test_redis_keeps_sessions_across_a_restart(redis_url, tmp_path):
    with serving("--redis-url", redis_url, log=tmp_path / "first.log") as url:
        sid, token = new_session(url)
        httpx.put(f"{url}/api/sessions/{sid}/state", json={"step": 4}, headers=headers(token))
    with serving("--redis-url", redis_url, log=tmp_path / "second.log") as url:
        state = httpx.get(f"{url}/api/sessions/{sid}").json()
        assert (state["version"], state["step"]) == (2, 4)
        r = httpx.put(f"{url}/api/sessions/{sid}/state", json={"step": 5}, headers=headers(token))
        assert r.json()["version"] == 3


def test_redis_sessions_expire_after_the_idle_time(redis_url, tmp_path):
    with serving("--redis-url", redis_url, "--session-idle", "1", log=tmp_path / "s.log") as url:
        sid, _ = new_session(url)
        assert httpx.get(f"{url}/api/sessions/{sid}").status_code == 200
        deadline = time.monotonic() + WAIT
        while httpx.get(f"{url}/api/sessions/{sid}").status_code == 200:
            assert time.monotonic() < deadline, "the session did not expire"
            time.sleep(0.2)
        assert httpx.get(f"{url}/api/sessions/{sid}").json()["error"]["code"] == "not_found"


ROOT = Path(__file__).resolve().parents[2]
