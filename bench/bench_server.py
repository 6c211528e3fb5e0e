"""Benchmark of the service; run by hand, prints ratios.

    .venv/bin/python bench/bench_server.py [--duration 3] [--rounds 3] [--connections 8]
                                                  [--workers 1]

1. Throughput: Debian's `wrk` on 127.0.0.1 against one real server (uvicorn, uvloop +
   httptools, the app with one extra route): POST /api/graph for the post's sigmoid vs two
   trivial FastAPI endpoints in the same server, GET /healthz and POST /bench/echo (returns the
   sigmoid's request body). The sigmoid is measured twice: the same body every time (answered
   from the response cache after the first request, as the page's presets are; target: at least
   half the trivial throughput) and a different z in every request (every request builds,
   backprops and traces; target: at least 0.6 of GET /healthz). Rounds alternate them so that
   load from other processes hits them alike; the ratios are medians over rounds.
   The rate limit (server/ratelimit.py) counts every /api/graph request here too, with a budget
   no run reaches; its own cost is POST /bench/echo-limited (the same endpoint, on the list of
   rate-limited paths) against POST /bench/echo, alternating in the same rounds; and, since
   a few microseconds drown in wrk's noise, the middleware alone in this process (security
   headers, rate limit) in microseconds per request, as a share of a GET /healthz request.
2. Size: server time (the Server-Timing header: compile, build, backprop, trace, JSON) and
   response size for expressions of 100, 1,000 and 10,000 nodes; cost must grow linearly.
   Target: 10,000 nodes under 0.3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from fastapi import APIRouter, Request
from starlette.responses import Response

ROOT = Path(__file__).resolve().parent.parent
SIGMOID = {"expression": "1/(1+exp(-z))", "inputs": {"z": 0}}
#: Throughput of the sigmoid against GET /healthz: cached (same body), computed (z varies).
TARGETS = {"same": 0.5, "varied": 0.6}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: A rate limit no run reaches: every request to a limited path is counted, none refused.
UNREACHED_RATE_LIMIT = "1000000000/minute"


def bench_app():
    """The service's app plus POST /bench/echo, a trivial endpoint that returns its JSON body:
    the same server, the same middleware, a POST like /api/graph; and /bench/echo-limited, the
    same endpoint with the rate limit counting it."""
    from server import config
    from server.app import create_app

    config.RATE_LIMITED_PATHS.append("/bench/echo-limited")
    app = create_app()
    router = APIRouter()

    async def echo(request: Request) -> Response:
        return Response(await request.body(), media_type="application/json")

    router.add_api_route("/bench/echo", echo, methods=["POST"])
    router.add_api_route("/bench/echo-limited", echo, methods=["POST"])
    app.router.routes[0:0] = router.routes  # before the page mounted at /
    return app


def start_server(workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "--app-dir",
            str(ROOT / "bench"),
            "bench_server:bench_app",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "BPE_RATE_LIMIT": UNREACHED_RATE_LIMIT},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


# A different z in every request: 1/(1+exp(-z)) at z = 0.00001, 0.00002, ...
VARIED = """
counter = 0
request = function()
  counter = counter + 1
  local body = '{"expression": "1/(1+exp(-z))", "inputs": {"z": ' .. counter / 100000 .. '}}'
  return wrk.format(nil, nil, nil, body)
end
"""


def wrk(url: str, duration: float, connections: int, body: dict | str | None = None) -> dict:
    """Requests per second and latency from one bounded wrk run (1 thread). `body`: a JSON
    body to POST, or a Lua `request` function that makes each one."""
    args = ["wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency"]
    script = None
    if body is not None:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
        if isinstance(body, str):
            script.write(body)
        else:
            script.write(f"wrk.body = {json.dumps(json.dumps(body))}\n")
        script.close()
        args += ["-s", script.name]
    try:
        out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    finally:
        if script:
            os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(\w+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": f"{p50.group(1)}{p50.group(2)}",
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def middleware_cost(batches: int = 31, size: int = 2000) -> dict:
    """Microseconds per request that the hosting middleware adds, in process: an ASGI app that
    answers at once, bare and wrapped, interleaved in batches; medians over batches."""
    import asyncio

    from server.config import Hosting
    from server.ratelimit import RateLimitMiddleware
    from server.security import SecurityHeadersMiddleware, security_headers

    async def bare(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        pass

    items = Hosting(rate_limit=UNREACHED_RATE_LIMIT).rate_limit_items()
    apps = {
        "bare": bare,
        "headers": SecurityHeadersMiddleware(bare, security_headers(Hosting())),
        "rate limit": RateLimitMiddleware(bare, items, ["/api/graph"]),
    }
    scope = {"type": "http", "method": "POST", "path": "/api/graph", "root_path": ""}
    scope |= {"client": ("127.0.0.1", 50000), "headers": []}

    async def batch(app) -> float:
        t = time.perf_counter()
        for _ in range(size):
            await app(dict(scope), receive, send)
        return (time.perf_counter() - t) / size * 1e6

    async def run() -> dict:
        times = {name: [] for name in apps}
        for _ in range(batches):
            for name, app in apps.items():
                times[name].append(await batch(app))
        return {
            name: statistics.median(t - b for t, b in zip(times[name], times["bare"]))
            for name in apps
            if name != "bare"
        }

    return asyncio.run(run())


def layered(nodes: int) -> str:
    """A deep net of scalars: h = tanh(h*w + b) repeated; 3 leaves + 3 nodes per line."""
    return "h = x\n" + "h = tanh(h*w + b)\n" * ((nodes - 3) // 3)


def server_time(url: str, expression: str, repeats: int) -> dict:
    times, walls = [], []
    with httpx.Client(timeout=30) as client:
        for k in range(repeats):
            # another x each time: no answer comes from the response cache
            body = {"expression": expression, "inputs": {"x": 0.5 + k / 1000, "w": 0.9, "b": 0.1}}
            t = time.perf_counter()
            r = client.post(url + "/api/graph", json=body)
            walls.append(time.perf_counter() - t)
            r.raise_for_status()
            times.append(float(re.search(r"dur=([\d.]+)", r.headers["server-timing"]).group(1)))
    return {
        "nodes": len(r.json()["nodes"]),
        "server_ms": statistics.median(times),
        "wall_ms": 1000 * statistics.median(walls),
        "bytes": len(r.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=7, help="requests per size")
    parser.add_argument("--rounds", type=int, default=3, help="alternating wrk rounds")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")

    proc, url = start_server(args.workers)
    try:
        print(
            f"server: uvicorn, {args.workers} worker(s); wrk -t1 -c{args.connections} "
            f"-d{args.duration:g}s on 127.0.0.1; {os.cpu_count()} cores\n"
        )
        wrk(url + "/healthz", 1, args.connections)  # warm up
        wrk(url + "/api/graph", 1, args.connections, VARIED)
        runs = {"trivial": [], "echo": [], "limited": [], "same": [], "varied": []}
        for _ in range(args.rounds):
            runs["trivial"].append(wrk(url + "/healthz", args.duration, args.connections))
            runs["echo"].append(wrk(url + "/bench/echo", args.duration, args.connections, SIGMOID))
            runs["limited"].append(
                wrk(url + "/bench/echo-limited", args.duration, args.connections, SIGMOID)
            )
            runs["same"].append(wrk(url + "/api/graph", args.duration, args.connections, SIGMOID))
            runs["varied"].append(wrk(url + "/api/graph", args.duration, args.connections, VARIED))
        med = {k: statistics.median(r["rps"] for r in v) for k, v in runs.items()}
        errors = sum(r["errors"] for v in runs.values() for r in v)
        print(f"throughput (median of {args.rounds} rounds; non-2xx responses: {errors})")
        print(
            f"  GET  /healthz (trivial)                {med['trivial']:8.0f} req/s   "
            f"p50 {runs['trivial'][-1]['p50']}"
        )
        print(
            f"  POST /bench/echo (trivial)             {med['echo']:8.0f} req/s   "
            f"p50 {runs['echo'][-1]['p50']}"
        )
        print(
            f"  POST /bench/echo-limited (rate limit)  {med['limited']:8.0f} req/s   "
            f"p50 {runs['limited'][-1]['p50']}"
        )
        print(
            f"  POST /api/graph sigmoid, same body     {med['same']:8.0f} req/s   "
            f"p50 {runs['same'][-1]['p50']}"
        )
        print(
            f"  POST /api/graph sigmoid, z varies      {med['varied']:8.0f} req/s   "
            f"p50 {runs['varied'][-1]['p50']}"
        )
        for key, words in (("same", "same body (cached)"), ("varied", "z varies (computed)")):
            for base, what in (("trivial", "GET /healthz"), ("echo", "POST echo")):
                ratio = statistics.median(
                    a["rps"] / t["rps"] for a, t in zip(runs[key], runs[base])
                )
                target = TARGETS[key] if base == "trivial" else TARGETS["same"]
                print(
                    f"  ratio sigmoid {words:20s} / {what:12s} {ratio:5.2f}   (target >= "
                    f"{target}: {'met' if ratio >= target else 'NOT met'})"
                )
        ratio = statistics.median(
            a["rps"] / t["rps"] for a, t in zip(runs["limited"], runs["echo"])
        )
        print(f"  ratio echo with the rate limit / without           {ratio:5.2f}   (1.00: free)")
        healthz_us = 1e6 / med["trivial"]
        for name, us in middleware_cost().items():
            print(
                f"  {name + ' middleware, in process':38s} {us:6.1f} us/request = "
                f"{us / healthz_us:6.1%} of a GET /healthz request ({healthz_us:.0f} us)"
            )
        print()

        print("size (median of repeats; server time from the Server-Timing header)")
        print(
            f"  {'nodes':>6}  {'server ms':>9}  {'wall ms':>8}  {'bytes':>10}  "
            f"{'us/node':>8}  {'bytes/node':>10}"
        )
        rows = []
        for n in (100, 1_000, 10_000):
            row = server_time(url, layered(n), args.repeats)
            rows.append(row)
            print(
                f"  {row['nodes']:>6}  {row['server_ms']:9.1f}  {row['wall_ms']:8.1f}  "
                f"{row['bytes']:>10,}  {1000 * row['server_ms'] / row['nodes']:8.1f}  "
                f"{row['bytes'] / row['nodes']:10.0f}"
            )
        small, mid, big = rows
        print(
            f"  time ratio 1,000 / 100 nodes:    {mid['server_ms'] / small['server_ms']:5.1f} "
            "(linear: 10)"
        )
        print(
            f"  time ratio 10,000 / 1,000 nodes: {big['server_ms'] / mid['server_ms']:5.1f} "
            "(linear: 10)"
        )
        print(f"  size ratio 10,000 / 1,000 nodes: {big['bytes'] / mid['bytes']:5.1f} (linear: 10)")
        print(
            f"  10,000 nodes: {big['server_ms'] / 1000:.3f} s server time (target < 0.3 s: "
            f"{'met' if big['server_ms'] < 300 else 'NOT met'})"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
