"""Benchmark of the engine against the peers a user would pick instead.

Run by hand, not a test:
    python3 -m venv .venv-bench
    .venv-bench/bin/pip install -e '.[bench]'        # micrograd, autograd, torch==2.13.0
    .venv-bench/bin/python bench/bench_engine.py [--threads 1] [--repeat 30] [--profile]

Workloads, each forward + backward:
  (a) MLP 784-256-10, relu, softmax cross-entropy, batch 64: vs hand-written numpy (the floor)
  (b) MLP 32-16-1, tanh, MSE, batch 64: per-op overhead dominates
  (c) a scalar graph of 10,000 op nodes (x = x * w + b, 5,000 times, over 10 shared leaves),
      built and backpropagated, per node, vs micrograd: the engine with its JSON export
      (engine.trace, the work behind every POST /api/graph) as "engine+trace", target <= 2x,
      and without it as "engine"

Threads: numpy's OpenBLAS and torch's OpenMP pools running in one process slow each other down,
so every (workload, framework) pair is timed in a fresh subprocess of its own, one after another.
Each subprocess gets OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = MKL_NUM_THREADS = --threads (set
before numpy or torch is imported) and, for torch, torch.set_num_threads(--threads) and one
inter-op thread. Every framework computes the same gradients from the same data; a checksum of
them is compared against the numpy floor (or micrograd in (c)) so a ratio never compares
different work.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

BATCH = 64
SCALAR_STEPS = 5_000  # two op nodes (mul, add) per step: 10,000 op nodes
SCALAR_LEAVES = 10
TRACE_TARGET = 2.0  # (c): build + backward + engine.trace, against micrograd's build + backward


# ---------------------------------------------------------------------------------------------
# Data: the same in every process
# ---------------------------------------------------------------------------------------------
def mlp_data(sizes: tuple[int, ...], classes: bool):
    import numpy as np

    rng = np.random.default_rng(0)
    n_in, n_hidden, n_out = sizes
    x = rng.normal(size=(BATCH, n_in))
    params = [
        rng.normal(size=(n_in, n_hidden)) / np.sqrt(n_in),
        np.zeros(n_hidden) + 0.01,
        rng.normal(size=(n_hidden, n_out)) / np.sqrt(n_hidden),
        np.zeros(n_out) + 0.01,
    ]
    if classes:
        y = rng.integers(0, n_out, size=BATCH)
    else:
        y = rng.normal(size=(BATCH, n_out))
    return x, y, params


def scalar_leaves() -> list[float]:
    import numpy as np

    return [float(v) for v in np.random.default_rng(0).uniform(-0.9, 0.9, SCALAR_LEAVES)]


def build_scalar_graph(p: list):
    """x = x * p[i] + p[j], 5,000 times: 10,000 op nodes over 10 leaves with heavy fan-out."""
    x = p[0]
    for i in range(SCALAR_STEPS):
        x = x * p[i % SCALAR_LEAVES] + p[(i + 3) % SCALAR_LEAVES]
    return x


# ---------------------------------------------------------------------------------------------
# (a) MLP 784-256-10 with softmax cross-entropy
# ---------------------------------------------------------------------------------------------
def ce_numpy():
    import numpy as np

    x, y, (W1, b1, W2, b2) = mlp_data((784, 256, 10), classes=True)
    rows = np.arange(BATCH)

    def step():
        h = x @ W1 + b1
        a = np.maximum(h, 0.0)
        z = a @ W2 + b2
        m = z.max(axis=1, keepdims=True)
        e = np.exp(z - m)
        s = e.sum(axis=1, keepdims=True)
        loss = np.mean(np.log(s[:, 0]) + m[:, 0] - z[rows, y])
        dz = e / s
        dz[rows, y] -= 1.0
        dz /= BATCH
        dW2 = a.T @ dz
        db2 = dz.sum(axis=0)
        dh = (dz @ W2.T) * (h > 0)
        dW1 = x.T @ dh
        db1 = dh.sum(axis=0)
        return loss, (dW1, db1, dW2, db2)

    return step


def ce_engine(trace: bool = False):
    import engine

    x, y, params = mlp_data((784, 256, 10), classes=True)
    xc, yc = engine.constant(x), engine.constant(y)
    W1, b1, W2, b2 = (engine.Tensor(p) for p in params)

    def step():
        z = engine.relu(xc @ W1 + b1) @ W2 + b2
        loss = engine.cross_entropy(z, yc)
        loss.backward()
        if trace:
            engine.trace(loss)
        return loss.data, (W1.grad, b1.grad, W2.grad, b2.grad)

    return step


def ce_torch():
    import torch

    x, y, params = mlp_data((784, 256, 10), classes=True)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    W1, b1, W2, b2 = (torch.tensor(p, requires_grad=True) for p in params)
    f = torch.nn.functional

    def step():
        for p in (W1, b1, W2, b2):
            p.grad = None
        loss = f.cross_entropy(torch.relu(xt @ W1 + b1) @ W2 + b2, yt)
        loss.backward()
        return loss.item(), [p.grad.numpy() for p in (W1, b1, W2, b2)]

    return step


def ce_autograd():
    import autograd.numpy as anp
    from autograd import value_and_grad

    x, y, params = mlp_data((784, 256, 10), classes=True)
    rows = anp.arange(BATCH)

    def loss(ps):
        W1, b1, W2, b2 = ps
        z = anp.maximum(anp.dot(x, W1) + b1, 0.0)
        z = anp.dot(z, W2) + b2
        m = anp.max(z, axis=1, keepdims=True)
        lse = anp.log(anp.sum(anp.exp(z - m), axis=1)) + m[:, 0]
        return anp.mean(lse - z[rows, y])

    vg = value_and_grad(loss)
    return lambda: vg(params)


# ---------------------------------------------------------------------------------------------
# (b) MLP 32-16-1 with tanh and MSE
# ---------------------------------------------------------------------------------------------
def mse_numpy():
    import numpy as np

    x, t, (W1, b1, W2, b2) = mlp_data((32, 16, 1), classes=False)

    def step():
        h = np.tanh(x @ W1 + b1)
        p = h @ W2 + b2
        d = p - t
        loss = np.mean(d * d)
        dp = (2.0 / d.size) * d
        dW2 = h.T @ dp
        db2 = dp.sum(axis=0)
        dpre = (dp @ W2.T) * (1.0 - h * h)
        dW1 = x.T @ dpre
        db1 = dpre.sum(axis=0)
        return loss, (dW1, db1, dW2, db2)

    return step


def mse_engine(trace: bool = False):
    import engine

    x, t, params = mlp_data((32, 16, 1), classes=False)
    xc, tc = engine.constant(x), engine.constant(t)
    W1, b1, W2, b2 = (engine.Tensor(p) for p in params)

    def step():
        loss = engine.mse(engine.tanh(xc @ W1 + b1) @ W2 + b2, tc)
        loss.backward()
        if trace:
            engine.trace(loss)
        return loss.data, (W1.grad, b1.grad, W2.grad, b2.grad)

    return step


def mse_torch():
    import torch

    x, t, params = mlp_data((32, 16, 1), classes=False)
    xt, tt = torch.from_numpy(x), torch.from_numpy(t)
    W1, b1, W2, b2 = (torch.tensor(p, requires_grad=True) for p in params)

    def step():
        for p in (W1, b1, W2, b2):
            p.grad = None
        loss = torch.nn.functional.mse_loss(torch.tanh(xt @ W1 + b1) @ W2 + b2, tt)
        loss.backward()
        return loss.item(), [p.grad.numpy() for p in (W1, b1, W2, b2)]

    return step


def mse_autograd():
    import autograd.numpy as anp
    from autograd import value_and_grad

    x, t, params = mlp_data((32, 16, 1), classes=False)

    def loss(ps):
        W1, b1, W2, b2 = ps
        p = anp.dot(anp.tanh(anp.dot(x, W1) + b1), W2) + b2
        return anp.mean((p - t) ** 2)

    vg = value_and_grad(loss)
    return lambda: vg(params)


# ---------------------------------------------------------------------------------------------
# (c) scalar graph of 10,000 op nodes
# ---------------------------------------------------------------------------------------------
def scalar_engine(trace: bool = True):
    import engine

    values = scalar_leaves()

    def step():
        p = [engine.Tensor(v) for v in values]
        out = build_scalar_graph(p)
        out.backward()
        if trace:
            engine.trace(out)
        return float(out.data), [float(t.grad) for t in p]

    return step


def scalar_micrograd():
    from micrograd.engine import Value

    sys.setrecursionlimit(100_000)  # micrograd's topological sort is recursive
    values = scalar_leaves()

    def step():
        p = [Value(v) for v in values]
        out = build_scalar_graph(p)
        out.backward()
        return out.data, [t.grad for t in p]

    return step


def scalar_trace_dicts():
    """Not a framework: the floor of the trace's format. Only the dicts a trace of (c) is made
    of (one per node, edge, step and fan-out contribution, with the format's keys), made from
    ready lists of their values and freed, as engine.trace must at least do. Engine + this is
    the least engine+trace can take while the trace is a dict per node and per edge."""
    import engine

    p = [engine.Tensor(v) for v in scalar_leaves()]
    out = build_scalar_graph(p)
    out.backward()
    tr = engine.trace(out)
    nodes = [tuple(row.values()) for row in tr["nodes"]]
    edges = [tuple(row.values()) for row in tr["edges"]]
    steps = [tuple(row.values()) for row in tr["steps"]]
    fanout = [(row["node"], row["sum"], row["contributions"]) for row in tr["fanout"]]
    result = float(out.data), [float(t.grad) for t in p]
    del p, out, tr

    def step():
        made = (
            [
                {
                    "id": a,
                    "op": b,
                    "label": c,
                    "tex": d,
                    "name": e,
                    "inputs": [*f],
                    "attrs": {},
                    "shape": [],
                    "value": i,
                    "grad": j,
                    "requires_grad": k,
                    "span": None,
                }
                for a, b, c, d, e, f, g, h, i, j, k, m in nodes
            ],
            [
                {
                    "id": a,
                    "source": b,
                    "target": c,
                    "index": d,
                    "upstream": e,
                    "local": f,
                    "local_formula": g,
                    "local_formula_named": h,
                    "downstream": i,
                    "reduction": j,
                }
                for a, b, c, d, e, f, g, h, i, j in edges
            ],
            [
                {"node": a, "op": b, "label": c, "upstream": d, "edges": [*e]}
                for a, b, c, d, e in steps
            ],
            [
                {
                    "node": a,
                    "contributions": [{"edge": c["edge"], "value": c["value"]} for c in cs],
                    "sum": s,
                }
                for a, s, cs in fanout
            ],
        )
        del made
        return result

    return step


def scalar_torch():
    import torch

    values = scalar_leaves()

    def step():
        p = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
        out = build_scalar_graph(p)
        out.backward()
        return out.item(), [t.grad.item() for t in p]

    return step


def scalar_autograd():
    from autograd import value_and_grad

    values = scalar_leaves()

    def f(ps):
        return build_scalar_graph([ps[i] for i in range(SCALAR_LEAVES)])

    vg = value_and_grad(f)
    return lambda: vg(values)


WORKLOADS = {
    "a": (
        "(a) MLP 784-256-10 + softmax CE, batch 64",
        "numpy",
        {
            "numpy": ce_numpy,
            "engine": ce_engine,
            "engine+trace": lambda: ce_engine(True),
            "torch": ce_torch,
            "autograd": ce_autograd,
        },
    ),
    "b": (
        "(b) MLP 32-16-1 tanh + MSE, batch 64",
        "numpy",
        {
            "numpy": mse_numpy,
            "engine": mse_engine,
            "engine+trace": lambda: mse_engine(True),
            "torch": mse_torch,
            "autograd": mse_autograd,
        },
    ),
    "c": (
        "(c) scalar graph, 10,000 op nodes",
        "micrograd",
        {
            "micrograd": scalar_micrograd,
            "engine+trace": scalar_engine,
            "engine": lambda: scalar_engine(False),
            "torch": scalar_torch,
            "autograd": scalar_autograd,
            "trace dicts": scalar_trace_dicts,
        },
    ),
}


# ---------------------------------------------------------------------------------------------
# Worker: one framework, one workload, in its own process
# ---------------------------------------------------------------------------------------------
def checksum(result) -> float:
    import numpy as np

    loss, grads = result
    return float(np.asarray(loss, dtype=float)) + sum(
        float(np.sum(np.asarray(g, dtype=float) * (k + 1))) for k, g in enumerate(grads)
    )


def worker(workload: str, framework: str, repeat: int, threads: int, seconds: float) -> dict:
    if framework == "torch":
        import torch

        torch.set_num_threads(threads)
        torch.set_num_interop_threads(1)
    try:
        step = WORKLOADS[workload][2][framework]()
    except ImportError as exc:
        return {"skip": f"not installed: {exc.name}"}
    check = checksum(step())
    # Warm up for a while: the engine's heap (and the cyclic GC's rhythm) takes ~100 steps of
    # (a) to settle; a median over the first 30 steps reads ~2x instead of ~1.2x.
    t_end, runs = time.perf_counter() + seconds / 4, 0
    while runs < 5 or time.perf_counter() < t_end:
        step()
        runs += 1
    times: list[float] = []
    t_end = time.perf_counter() + seconds
    while len(times) < repeat or (not repeat and time.perf_counter() < t_end) or len(times) < 7:
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
        if repeat and len(times) >= repeat:
            break
    return {"times": times, "check": check}


THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def run_worker(workload: str, framework: str, repeat: int, threads: int, seconds: float) -> dict:
    env = dict(os.environ)
    env.update({var: str(threads) for var in THREAD_VARS})
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        workload,
        framework,
        "--repeat",
        str(repeat),
        "--threads",
        str(threads),
        "--seconds",
        str(seconds),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        return {"skip": "failed: " + proc.stderr.strip().splitlines()[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# Profile of the engine's hot path, (b) and (c)
# ---------------------------------------------------------------------------------------------
def phases(runs: int = 7) -> None:
    """Median time of each phase of (c) without a profiler: build, backward, trace."""
    import gc

    import engine

    values = scalar_leaves()
    rows: dict[str, list[float]] = {"build": [], "backward": [], "trace": [], "free": []}
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        p = [engine.Tensor(v) for v in values]
        out = build_scalar_graph(p)
        t1 = time.perf_counter()
        out.backward()
        t2 = time.perf_counter()
        tr = engine.trace(out)
        t3 = time.perf_counter()
        del out, tr, p
        gc.collect()
        t4 = time.perf_counter()
        for key, dt in zip(rows, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            rows[key].append(dt)
    print(f"\n== engine, (c) by phase, median of {runs} runs (no profiler) ==")
    for key, ts in rows.items():
        med = statistics.median(ts[1:])
        print(f"  {key:9s}{med * 1e3:8.2f} ms {med / (2 * SCALAR_STEPS) * 1e6:6.2f} us/node")


def profile(top: int) -> None:
    import cProfile
    import pstats

    phases()
    for workload, make, runs in [
        ("a", ce_engine, 30),
        ("b", mse_engine, 300),
        ("c", scalar_engine, 3),
    ]:
        step = make()
        step()
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(runs):
            step()
        prof.disable()
        print(f"\n== cProfile: engine, {WORKLOADS[workload][0]}, {runs} runs, by own time ==")
        pstats.Stats(prof).strip_dirs().sort_stats("tottime").print_stats(top)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads per process")
    ap.add_argument("--repeat", type=int, default=0, help="timed runs per pair (default: by time)")
    ap.add_argument("--seconds", type=float, default=2.0, help="timing budget per pair")
    ap.add_argument("--only", default="abc", help="workloads to run, e.g. 'ab'")
    ap.add_argument("--profile", action="store_true", help="also cProfile the engine on (b), (c)")
    ap.add_argument("--top", type=int, default=18)
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        print(json.dumps(worker(*args.worker, args.repeat, args.threads, args.seconds)))
        return

    os.environ.update({var: str(args.threads) for var in THREAD_VARS})  # for --profile, here
    import numpy as np

    import engine  # noqa: F401 - fail early if the engine is not importable

    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, "
        f"{os.cpu_count()} cores, {args.threads} thread(s) per process"
    )
    for workload in args.only:
        title, floor, frameworks = WORKLOADS[workload]
        results = {
            name: run_worker(workload, name, args.repeat, args.threads, args.seconds)
            for name in frameworks
        }
        base = results[floor]
        print(f"\n{title}: medians, ratio against {floor}")
        print(
            f"  {'':14s}{'median':>12s}{'ratio':>9s}{'runs':>7s}"
            + ("{:>12s}".format("per node") if workload == "c" else "")
            + "   check"
        )
        for name, r in results.items():
            if "skip" in r:
                print(f"  {name:14s}{r['skip']}")
                continue
            med = statistics.median(r["times"])
            ratio = med / statistics.median(base["times"]) if "times" in base else float("nan")
            same = abs(r["check"] - base.get("check", np.nan)) <= 1e-6 * max(1, abs(r["check"]))
            line = f"  {name:14s}{med * 1e3:10.3f}ms{ratio:8.2f}x{len(r['times']):>7d}"
            if workload == "c":
                line += f"{med / (2 * SCALAR_STEPS) * 1e6:9.2f} us"
            print(line + ("   same gradients" if same else f"   DIFFERENT ({r['check']:.6g})"))
        if workload == "c" and "times" in base and "times" in results["engine+trace"]:
            ratio = statistics.median(results["engine+trace"]["times"]) / statistics.median(
                base["times"]
            )
            verdict = "met" if ratio <= TRACE_TARGET else "NOT met"
            print(f"  build + backward + trace: {ratio:.2f}x micrograd (target <= 2: {verdict})")
            if "times" in results["engine"] and "times" in results["trace dicts"]:
                floor = sum(
                    statistics.median(results[name]["times"]) for name in ("engine", "trace dicts")
                ) / statistics.median(base["times"])
                print(
                    f"  the format's floor, engine + the trace's dicts alone: {floor:.2f}x "
                    "micrograd"
                )

    if args.profile:
        profile(args.top)


if __name__ == "__main__":
    main()
