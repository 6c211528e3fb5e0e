"""Benchmark of live class sessions; run by hand, prints figures and same-run ratios.

    .venv/bin/python bench/bench_live.py [--students 200 1000] [--steps 50] [--no-redis]

One real server (one uvicorn worker) in its own process; this process is the load generator
(asyncio, raw sockets for the students' event streams, httpx for the presenter and the answers).
For each backend (in-process, then Redis with a redis-server started here) and each class size:

1. N students connect to one session's event stream (GET /api/sessions/{id}/events);
2. the presenter PUTs 50 steps, one after the other (each waits for its answer, then --gap,
   default 50 ms: faster than a presenter steps);
3. every student must receive every change: the delay from the PUT returning to each
   student's event arriving (p50, p99; negative when the event beats the PUT's answer), the
   server's CPU seconds for the 50 steps and its memory (RSS) per connected student;
4. a poll: every student answers at once (one request each); all must be counted, in how long.

Then past the stream cap: the refused connections get 503 with Retry-After (the page shows
"The server is busy ... trying again in N s" and retries with backoff: static/js/live.js).
The machine is shared (two cores, six helpers, and this load generator itself): figures are
noisy; compare sizes and backends within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from servers import free_port, serving  # noqa: E402

EVENT_ID = re.compile(rb"\nid: (\d+)\n")
STEP_GAP = 0.05  # seconds between the presenter's steps: faster than any presenter


# -- the server's process ----------------------------------------------------------------------
def server_pid(port: int) -> int:
    """The process serving `port` (the one this script started: its command line names it)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
            if b"serve" in cmd and str(port).encode() in cmd and b"--port" in cmd:
                return int(entry.name)
    raise RuntimeError(f"no server process for port {port}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- students -------------------------------------------------------------------------------------
class Student:
    def __init__(self, port: int, sid: str):
        self.port, self.sid = port, sid
        self.status = 0
        self.arrivals: dict[int, float] = {}
        self.writer: asyncio.StreamWriter | None = None

    async def run(self, first: asyncio.Event | None = None) -> None:
        reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 20)
        self.writer.write(
            f"GET /api/sessions/{self.sid}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        self.status = int(head.split(b" ", 2)[1])
        if self.status != 200:
            self.writer.close()
            return
        buf = b""
        while data := await reader.read(65536):
            now = time.perf_counter()
            buf += data
            end = 0
            for m in EVENT_ID.finditer(buf):
                self.arrivals.setdefault(int(m.group(1)), now)
                end = m.end()
            buf = buf[end:] if end else buf[-256:]
            if first is not None and self.arrivals:
                first.set()
                first = None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def connect(port: int, sid: str, n: int) -> tuple[list[Student], list[asyncio.Task], float]:
    """n students on the stream, each with the current state received; seconds it took."""
    students = [Student(port, sid) for _ in range(n)]
    firsts = [asyncio.Event() for _ in range(n)]
    start = time.perf_counter()
    tasks = []
    for s, f in zip(students, firsts):
        tasks.append(asyncio.create_task(s.run(f)))
        await asyncio.sleep(0)  # not all SYNs at once: the listen backlog is finite
    pending = [asyncio.create_task(f.wait()) for f in firsts]
    done = asyncio.gather(*tasks, return_exceptions=True)
    while not all(f.is_set() for f in firsts):
        if all(t.done() for t in tasks) or time.perf_counter() - start > 120:
            break
        await asyncio.sleep(0.05)
    for p in pending:
        p.cancel()
    del done
    return students, tasks, time.perf_counter() - start


async def raw_request(port: int, request: bytes) -> int:
    """One request on its own connection; its status."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1])
    finally:
        writer.close()


async def at_once(port: int, requests: list[bytes]) -> tuple[float, list]:
    """All requests at once, each on its own connection: seconds until the last answer."""
    t0 = time.perf_counter()
    statuses = await asyncio.gather(
        *(raw_request(port, r) for r in requests), return_exceptions=True
    )
    return time.perf_counter() - t0, statuses


def post(path: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


# -- one class ------------------------------------------------------------------------------------
async def one_class(url: str, n: int, steps: int, gap: float = STEP_GAP) -> dict:
    port = int(url.rsplit(":", 1)[1])
    pid = server_pid(port)
    async with httpx.AsyncClient(base_url=url, timeout=30) as presenter:
        made = (await presenter.post("/api/sessions")).json()
        sid, auth = made["id"], {"authorization": f"Bearer {made['presenter_token']}"}
        rss0 = rss_mb(pid)
        students, tasks, connect_s = await connect(port, sid, n)
        ok = [s for s in students if s.status == 200]
        refused = sum(s.status == 503 for s in students)
        rss1 = rss_mb(pid)
        cpu0 = cpu_seconds(pid)
        round_trips = []
        for _ in range(20):  # the reference for the delays: a trivial request's round trip
            t0 = time.perf_counter()
            await presenter.get("/healthz")
            round_trips.append(1000 * (time.perf_counter() - t0))
        returned: dict[int, float] = {}
        sent: dict[int, float] = {}
        for step in range(1, steps + 1):
            t0 = time.perf_counter()
            r = await presenter.put(f"/api/sessions/{sid}/state", json={"step": step}, headers=auth)
            t1 = time.perf_counter()
            version = r.json()["version"]
            sent[version], returned[version] = t0, t1
            await asyncio.sleep(gap)
        last = max(returned)
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline and not all(last in s.arrivals for s in ok):
            await asyncio.sleep(0.05)
        cpu1 = cpu_seconds(pid)
        delays, from_sent, missing = [], [], 0
        for s in ok:
            for v, t in returned.items():
                if v in s.arrivals:
                    delays.append(1000 * (s.arrivals[v] - t))
                    from_sent.append(1000 * (s.arrivals[v] - sent[v]))
                else:
                    missing += 1

        # a poll: every connected student answers at once
        trace = (
            await presenter.post(
                "/api/graph", json={"expression": "1/(1+exp(-z))", "inputs": {"z": 0}}
            )
        ).json()
        poll = (
            await presenter.post(
                f"/api/sessions/{sid}/polls",
                json={"edge": trace["edges"][0]["id"], "quantity": "downstream"},
                headers=auth,
            )
        ).json()["id"]
        # the reference, same way, same moment: as many GET /healthz at once
        reference_s, _ = await at_once(port, [HEALTHZ] * len(ok))
        path = f"/api/sessions/{sid}/polls/{poll}/answers"
        bodies = [b'{"client": "student-%05d", "value": "0.25"}' % i for i in range(len(ok))]
        answer_s, statuses = await at_once(port, [post(path, b) for b in bodies])
        accepted = sum(s == 200 for s in statuses)
        counted = (await presenter.get(f"/api/sessions/{sid}/polls/{poll}")).json()["count"]
        for s in students:
            s.close()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "students": n,
        "connected": len(ok),
        "refused": refused,
        "connect_s": connect_s,
        "missing": missing,
        "p50": pct(delays, 0.5),
        "p99": pct(delays, 0.99),
        "p99_sent": pct(from_sent, 0.99),
        "max": max(delays, default=float("nan")),
        "cpu_s": cpu1 - cpu0,
        "rss_base": rss0,
        "kb_per_student": 1024 * (rss1 - rss0) / max(len(ok), 1),
        "answers": len(ok),
        "accepted": accepted,
        "counted": counted,
        "answer_s": answer_s,
        "reference_s": reference_s,
        "healthz_ms": pct(round_trips, 0.5),
        "put_ms": pct([1000 * (returned[v] - sent[v]) for v in returned], 0.5),
    }


async def refusals(url: str, cap: int, extra: int) -> dict:
    port = int(url.rsplit(":", 1)[1])
    async with httpx.AsyncClient(base_url=url) as c:
        sid = (await c.post("/api/sessions")).json()["id"]
        students, tasks, _ = await connect(port, sid, cap + extra)
        refused = [s for s in students if s.status == 503]
        r = await c.get(f"/api/sessions/{sid}/events")
        retry_after = r.headers.get("retry-after")
        for s in students:
            s.close()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {"tried": cap + extra, "refused": len(refused), "retry_after": retry_after}


@contextlib.contextmanager
def redis_server():
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is missing: apt-get install redis-server")
    port = free_port()
    with tempfile.TemporaryDirectory() as work:
        proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=work,
            stdout=subprocess.DEVNULL,
        )
        try:
            for _ in range(200):
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                    break
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0", proc.pid
        finally:
            proc.terminate()
            proc.wait(10)


def report(name: str, r: dict) -> None:
    print(
        f"  {name:<6} {r['students']:>5} students: {r['connected']:>5} connected "
        f"({r['refused']} refused) in {r['connect_s']:5.1f} s; events missing: {r['missing']}\n"
        f"         PUT returned -> event: p50 {r['p50']:6.1f} ms, p99 {r['p99']:7.1f} ms "
        f"(from PUT sent: p99 {r['p99_sent']:7.1f} ms; max {r['max']:7.1f} ms)\n"
        f"         reference: GET /healthz round trip p50 {r['healthz_ms']:5.1f} ms, "
        f"the PUT's p50 {r['put_ms']:5.1f} ms\n"
        f"         server CPU for the steps: {r['cpu_s']:5.2f} s; "
        f"RSS {r['rss_base']:4.0f} MB + {r['kb_per_student']:5.1f} kB per student\n"
        f"         poll: {r['accepted']}/{r['answers']} answers accepted, {r['counted']} counted, "
        f"in {r['answer_s']:.2f} s (as many GET /healthz at once: {r['reference_s']:.2f} s, "
        f"ratio {r['answer_s'] / r['reference_s']:.2f})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--gap", type=float, default=STEP_GAP, help="seconds between steps")
    args = parser.parse_args()
    log = Path(tempfile.mkdtemp()) / "server.log"
    big = str(max(args.students) + 100)
    base = ["--workers", "1", "--max-session-streams", big, "--max-poll-answers", big]
    print(
        f"{os.cpu_count()} cores (shared); the load generator runs on them too; "
        f"{args.steps} steps {args.gap * 1000:.0f} ms apart"
    )
    backends = [("memory", [])]
    if not args.no_redis:
        backends.append(("redis", None))
    results = {}
    for name, extra in backends:
        with contextlib.ExitStack() as stack:
            if extra is None:
                url, _ = stack.enter_context(redis_server())
                extra = ["--redis-url", url]
            server = stack.enter_context(serving(*base, *extra, log=log))
            for n in args.students:
                results[name, n] = asyncio.run(one_class(server, n, args.steps, args.gap))
                report(name, results[name, n])
    with serving("--max-session-streams", "200", log=log) as server:
        r = asyncio.run(refusals(server, 200, 50))
        print(
            f"  past the cap (--max-session-streams 200): {r['refused']} of {r['tried']} "
            f"refused with 503, Retry-After: {r['retry_after']} s"
        )
    for n in args.students:
        if ("redis", n) in results:
            m, rd = results["memory", n], results["redis", n]
            print(
                f"  redis / memory at {n}: p99 from PUT sent "
                f"{rd['p99_sent'] / m['p99_sent']:.2f}x, "
                f"CPU {rd['cpu_s'] / max(m['cpu_s'], 1e-9):.2f}x"
            )


if __name__ == "__main__":
    main()
