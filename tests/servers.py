"""Real servers for the tests and the benchmarks: `backprop-explorer serve` on a free port of
127.0.0.1, in a subprocess, until the block ends."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The checkout's own command (an installed wheel passes its venv's `backprop-explorer`).
CHECKOUT = (sys.executable, "-m", "server.cli")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(
    *options: str,
    log: Path,
    command: Sequence = CHECKOUT,
    cwd: Path = ROOT,
    env: dict | None = None,
    timeout: float = 60,
) -> Iterator[str]:
    """`command serve --port P *options` until the block ends; yields its base URL once
    /healthz answers. The server's output goes to `log`, quoted when it does not start."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [*map(str, command), "serve", "--port", str(port), "--log-level", "warning", *options],
            cwd=cwd,
            env={**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + timeout
        while not healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False
