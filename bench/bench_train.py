"""Benchmark of gradient descent and forward mode. Run by hand, not a test:
    .venv/bin/python bench/bench_train.py [--repeat 5]
    (PyTorch's row needs torch==2.13.0 in the same venv, e.g. .venv-bench of bench_engine.py)

(a) POST /api/train, 100 SGD steps on the MLP preset (server/examples.py, "mlp-train"), over
    HTTP against a live server, against the same 100 steps written by hand in numpy and in
    PyTorch. Each framework runs in a fresh subprocess of its own, one thread; the final loss is
    compared so a ratio never compares different work.
(b) Forward mode against reverse mode on bench_engine.py's 10,000-node scalar graph: one
    engine.forward_tangents pass against one backward pass, per node, in one process.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]
STEPS = 100


def preset() -> dict:
    from server.examples import EXAMPLES

    ex = next(e for e in EXAMPLES if e["id"] == "mlp-train")
    return {"expression": ex["expression"], "inputs": ex["inputs"], **ex["train"], "steps": STEPS}


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm up
    times, loss = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        loss = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), loss


def run_api(repeat: int) -> dict:
    import httpx
    from servers import serving

    body = preset()
    with serving(log=Path(os.devnull)) as url, httpx.Client(base_url=url, timeout=30) as client:

        def once():
            r = client.post("/api/train", json=body)
            r.raise_for_status()
            return r.json()["losses"][-1]

        return dict(zip(("seconds", "loss"), timed(once, repeat)))


def run_numpy(repeat: int) -> dict:
    import numpy as np

    body = preset()
    x = np.array(body["inputs"]["X"])
    t = np.array([0, 2, 1])
    lr = body["lr"]

    def once():
        w1, b1, w2, b2 = (
            np.array(body["inputs"][k], dtype=float) for k in ("W1", "b1", "W2", "b2")
        )
        for step in range(STEPS + 1):
            h = np.tanh(x @ w1 + b1)
            z = h @ w2 + b2
            z = z - z.max(axis=1, keepdims=True)
            p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            loss = -np.mean(np.log(p[np.arange(3), t]))
            if step == STEPS:
                return float(loss)
            dz = p.copy()
            dz[np.arange(3), t] -= 1
            dz /= 3
            dw2, db2 = h.T @ dz, dz.sum(0)
            dh = dz @ w2.T * (1 - h * h)
            dw1, db1 = x.T @ dh, dh.sum(0)
            w1 -= lr * dw1
            b1 -= lr * db1
            w2 -= lr * dw2
            b2 -= lr * db2

    return dict(zip(("seconds", "loss"), timed(once, repeat)))


def run_torch(repeat: int) -> dict:
    import torch

    torch.set_num_threads(1)
    body = preset()
    x = torch.tensor(body["inputs"]["X"], dtype=torch.float64)
    t = torch.tensor([0, 2, 1])

    def once():
        ps = [torch.tensor(body["inputs"][k], dtype=torch.float64, requires_grad=True)
              for k in ("W1", "b1", "W2", "b2")]  # fmt: skip
        opt = torch.optim.SGD(ps, lr=body["lr"])
        for step in range(STEPS + 1):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(
                torch.tanh(x @ ps[0] + ps[1]) @ ps[2] + ps[3], t
            )
            if step == STEPS:
                return float(loss)
            loss.backward()
            opt.step()

    return dict(zip(("seconds", "loss"), timed(once, repeat)))


def run_modes(repeat: int) -> dict:
    from bench_engine import build_scalar_graph, scalar_leaves

    import engine

    leaves = [engine.Tensor(v) for v in scalar_leaves()]
    out = build_scalar_graph(leaves)
    nodes = len(engine.topological_order(out)[0])
    direction = dict.fromkeys(leaves, 1.0)
    reverse, _ = timed(lambda: out.backward(), repeat)
    forward, _ = timed(lambda: engine.forward_tangents(out, direction), repeat)
    return {"nodes": nodes, "reverse_us_per_node": 1e6 * reverse / nodes,
            "forward_us_per_node": 1e6 * forward / nodes}  # fmt: skip


RUNNERS = {"api": run_api, "numpy": run_numpy, "torch": run_torch, "modes": run_modes}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--worker", choices=RUNNERS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(RUNNERS[args.worker](args.repeat)))
        return
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    # rounds interleave the frameworks, so a busy spell of the machine hits them all; each
    # figure is its best round (the least disturbed)
    results: dict[str, dict] = {}
    for _ in range(args.rounds):
        for name in RUNNERS:
            cmd = [sys.executable, __file__, "--worker", name, "--repeat", str(args.repeat)]
            done = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if done.returncode:
                results.setdefault(name, {"skipped": done.stderr.strip().splitlines()[-1][:120]})
                continue
            got = json.loads(done.stdout)
            key = "reverse_us_per_node" if name == "modes" else "seconds"
            if name not in results or got[key] < results[name].get(key, float("inf")):
                results[name] = got
    for name, r in list(results.items()):
        if "skipped" in r:
            print(f"{name}: skipped ({r['skipped']})")
            del results[name]
    base = results["numpy"]
    print(f"(a) {STEPS} SGD steps on the MLP preset (best of {args.rounds} rounds of the median "
          f"of {args.repeat}):")  # fmt: skip
    for name in ("numpy", "api", "torch"):
        if name in results:
            r = results[name]
            ratio = r["seconds"] / base["seconds"]
            print(f"    {name:6s} {1000 * r['seconds']:8.2f} ms  x{ratio:7.1f} of numpy  "
                  f"final loss {r['loss']:.6f}")  # fmt: skip
    m = results["modes"]
    print(
        f"(b) {m['nodes']:,}-node scalar graph: reverse {m['reverse_us_per_node']:.2f} us/node, "
        f"forward {m['forward_us_per_node']:.2f} us/node "
        f"(forward/reverse x{m['forward_us_per_node'] / m['reverse_us_per_node']:.2f})"
    )


if __name__ == "__main__":
    main()
