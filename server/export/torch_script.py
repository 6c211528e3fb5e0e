"""A runnable PyTorch script per trace: the same graph built with torch tensors (float64), then
backward(), then each input's gradient printed, so a learner can check the explorer's numbers
against a real framework. Each op is written as its registry entry's `torch` template says
(engine/ops.py), so a new op brings its own spelling.
"""

from __future__ import annotations

import keyword
import math

from engine.ops import OPS

from .annotate import shape_of

HEADER = '''\
"""Backprop Explorer, checked with PyTorch: {expression}

Run it with `python {filename}` (needs torch: pip install torch). It rebuilds the graph with
float64 tensors, calls backward() and prints each input's gradient; the explorer's gradients
are in the comments beside them.
"""

import torch

'''
#: Names the script itself uses: a learner's input of the same name gets a "_" appended.
RESERVED = frozenset({"torch", "print", "float", "range", "reversed", "tuple", "len"})


def literal(v) -> str:
    """A value (number, nested list, "NaN"/"Infinity"/"-Infinity") as Python source."""
    if isinstance(v, list):
        return "[" + ", ".join(literal(x) for x in v) + "]"
    if isinstance(v, str):
        return {"NaN": 'float("nan")', "Infinity": 'float("inf")', "-Infinity": '-float("inf")'}[v]
    v = float(v)
    if math.isnan(v):
        return 'float("nan")'
    if math.isinf(v):
        return 'float("inf")' if v > 0 else '-float("inf")'
    return repr(v)


def _attr(key: str, value, shape: list[int]) -> str:
    """An attr as PyTorch takes it; numpy's None means every axis (reversed, for transpose)."""
    if value is None and key == "axes":
        return repr(tuple(reversed(range(len(shape)))))
    if value is None and key == "axis":
        return repr(tuple(range(len(shape))))
    if isinstance(value, list):
        return repr(tuple(value))
    return repr(value)


def _names(trace: dict) -> dict[str, str]:
    """A Python variable per node: its name (made unique), else v<k> for node n<k>."""
    used: set[str] = set(RESERVED)
    names = {}
    for n in trace["nodes"]:
        base = n["name"] if n["name"] and n["name"].isidentifier() else "v" + n["id"][1:]
        if keyword.iskeyword(base) or base in RESERVED:
            base += "_"
        name, k = base, 1
        while name in used:
            k += 1
            name = f"{base}_{k}"
        used.add(name)
        names[n["id"]] = name
    return names


def script(trace: dict, step: int | None = None, chain: str | None = None) -> str:
    """The script's text (step and chain do not apply: it runs the whole backward pass)."""
    nodes = {n["id"]: n for n in trace["nodes"]}
    names = _names(trace)
    expression = " ; ".join(trace.get("expression", "").splitlines())[:300].replace('"""', "'''")
    lines = [HEADER.format(expression=expression, filename="backprop_check.py")]
    lines.append("# the inputs (leaves that need a gradient) and the constants")
    for nid in trace["forward"]:
        n = nodes[nid]
        if n["inputs"]:
            continue
        grad = ", requires_grad=True" if n["requires_grad"] else ""
        lines.append(
            f"{names[nid]} = torch.tensor({literal(n['value'])}, dtype=torch.float64{grad})"
        )
    lines += ["", "# the forward pass, node by node (as the explorer recorded it)"]
    for nid in trace["forward"]:
        n = nodes[nid]
        if not n["inputs"]:
            continue
        op = OPS[n["op"]]
        shape = nodes[n["inputs"][0]]["shape"] if n["inputs"] else []
        params = {k: p.default for k, p in op.params.items()} | n["attrs"]
        args = {k: _attr(k, v, shape) for k, v in params.items()}
        args |= {o: names[i] for o, i in zip(("x", "y", "z"), n["inputs"])}
        call = op.torch_template.format(**args)
        lines.append(f"{names[nid]} = {call}  # {n['label']} ({nid}) = {_short(n['value'])}")
    out = nodes[trace["output"]]
    seed = out["grad"]
    lines += ["", "# backprop: the output's upstream is the seed (ones of its shape by default)"]
    out_name = names[trace["output"]]
    if seed is None:
        lines.append("# (the output does not depend on any input: nothing to backpropagate)")
    elif not isinstance(seed, list) and seed == 1.0:
        lines.append(f"{out_name}.backward(torch.ones_like({out_name}))")
    else:
        lines.append(f"{out_name}.backward(torch.tensor({literal(seed)}, dtype=torch.float64))")
    lines += ["", "# each input's gradient (the explorer's numbers in the comments)"]
    for nid in trace["forward"]:
        n = nodes[nid]
        if n["inputs"] or not n["requires_grad"] or not n["name"]:
            continue
        var = names[nid]
        shown = repr(f"d{out['label']}/d{n['name']} =")
        lines.append(
            f"print({shown}, {var}.grad.tolist() if {var}.grad is not None else None)"
            f"  # explorer: {_short(n['grad'])}"
        )
    return "\n".join(lines) + "\n"


def _short(v) -> str:
    if isinstance(v, list):
        return "tensor of shape [" + ", ".join(map(str, shape_of(v))) + "]"
    return "-" if v is None else str(v)
