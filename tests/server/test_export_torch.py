"""The exported PyTorch script runs under torch==2.13.0 and prints the explorer's gradients: for
every preset, and for every op of the registry (so an op without a torch spelling that runs
fails here). torch is a test-only dependency: skipped with the reason when it is absent;
.ci/run installs it into the test environment."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

import engine
from engine.ops import OPS
from server import service
from server.config import Limits
from server.examples import EXAMPLES
from server.export import export

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None,
    reason="torch is not installed: pip install torch==2.13.0 (.ci/run installs it)",
)
#: Runs each script given, in one process (importing torch takes seconds), with a marker line
#: before each one's output.
RUNNER = "import runpy, sys\nfor p in sys.argv[1:]:\n    print('=== ' + p)\n    runpy.run_path(p)\n"


def run_scripts(tmp_path, scripts: dict[str, str]) -> dict[str, dict[str, list | float]]:
    """Run the scripts, return per script {"dout/dname": gradient} as printed."""
    paths = []
    for key, text in scripts.items():
        path = tmp_path / f"{key}.py"
        path.write_text(text)
        paths.append(str(path))
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *paths], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-3000:]
    printed: dict[str, dict] = {}
    current = None
    for line in done.stdout.splitlines():
        if line.startswith("=== "):
            current = printed.setdefault(line[4:].rsplit("/", 1)[-1].removesuffix(".py"), {})
        elif " = " in line:
            label, _, value = line.partition(" = ")
            current[label] = None if value == "None" else eval_number(value)
    return printed


def eval_number(text: str):
    """A printed tolist(): numbers and nested lists (nan and inf as Python prints them)."""
    import json

    return json.loads(text.replace("nan", "NaN").replace("inf", "Infinity"))


def expected(trace: dict) -> dict[str, object]:
    out = next(n for n in trace["nodes"] if n["id"] == trace["output"])
    return {f"d{out['label']}/d{name}": g for name, g in trace["gradients"].items()}


def test_every_preset_gives_the_explorers_gradients(tmp_path):
    traces = {}
    for ex in EXAMPLES:
        traces[ex["id"].replace("-", "_")] = service.run(
            ex["expression"], ex["inputs"], Limits(), **ex.get("options", {})
        )
    printed = run_scripts(tmp_path, {k: export(t, "torch").decode() for k, t in traces.items()})
    for key, trace in traces.items():
        want = expected(trace)
        assert set(printed[key]) == set(want), key
        for label, g in want.items():
            np.testing.assert_allclose(printed[key][label], g, rtol=1e-9, atol=1e-12, err_msg=label)


def _operand(domain: str, shape: tuple, rng, classes: int) -> np.ndarray:
    if domain == "class_index":
        return rng.integers(0, classes, size=shape).astype(np.float64)
    if domain in ("positive", "nonzero"):
        return rng.uniform(0.5, 2.0, size=shape)
    return rng.uniform(-2.0, 2.0, size=shape)


def _cases():
    """One graph per op (and per example of its shapes): a reduction-free sum of its output
    times a random upstream, so every element's gradient is checked."""
    rng = np.random.default_rng(11)
    for name, op in OPS.items():
        examples = [ex for ex in op.examples] or [((3,),) * op.arity]
        for k, ex in enumerate(examples):
            attrs = ex[-1] if ex and isinstance(ex[-1], dict) else {}
            shapes = [tuple(s) for s in (ex[:-1] if attrs else ex)]
            classes = shapes[0][-1] if name == "cross_entropy" else 4
            leaves = [
                engine.constant(_operand(d, s, rng, classes))
                if d == "class_index"
                else engine.Tensor(_operand(d, s, rng, classes), name=f"x{i}")
                for i, (d, s) in enumerate(zip(op.domain, shapes))
            ]
            out = engine.apply(name, *leaves, **attrs)
            out.backward(rng.normal(size=out.shape))
            yield f"{name}_{k}", engine.trace(out)


def test_every_op_has_a_torch_spelling_that_runs(tmp_path):
    traces = dict(_cases())
    assert {key.rsplit("_", 1)[0] for key in traces} == set(OPS)
    printed = run_scripts(tmp_path, {k: export(t, "torch").decode() for k, t in traces.items()})
    for key, trace in traces.items():
        want = expected(trace)
        assert set(printed[key]) == set(want), key
        for label, g in want.items():
            np.testing.assert_allclose(
                printed[key][label], g, rtol=1e-9, atol=1e-12, err_msg=f"{key}: {label}"
            )
