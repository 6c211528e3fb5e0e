"""What every drawing of a trace needs: numbers as short text, the graph at a backprop step
(which gradients are known, what is highlighted), and a layered layout for TikZ."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from server.errors import APIError

#: The most elements of a tensor written out in full (else its shape, [3×4]).
MAX_SHOWN_ELEMENTS = 6


class ExportError(APIError):
    """An export that cannot be made here (no Graphviz, a graph too big to draw)."""

    status = 422
    code = "export_failed"


def number(v) -> str:
    """A scalar as short text: 0.25, -1, 1.5e-07, NaN, Infinity (six significant digits)."""
    if isinstance(v, str):
        return v
    v = float(v) + 0.0  # -0.0 -> 0.0
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}"


def shape_of(v) -> list[int]:
    shape = []
    while isinstance(v, list):
        shape.append(len(v))
        v = v[0] if v else None
    return shape


def value_text(v, sep: str = "×") -> str:
    """A value as short text: a scalar, a short vector [1, 2, 3], else its shape [2×3]."""
    if v is None:
        return ""
    if not isinstance(v, list):
        return number(v)
    shape = shape_of(v)
    if len(shape) == 1 and shape[0] <= MAX_SHOWN_ELEMENTS:
        return "[" + ", ".join(number(x) for x in v) + "]"
    return "[" + sep.join(map(str, shape)) + "]"


def to_float(v) -> float:
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(v, v)


@dataclass
class View:
    """The trace at backprop step `step` (0: forward pass done, len(steps): backprop done)."""

    trace: dict
    step: int
    nodes: dict = field(default_factory=dict)  # id -> node
    edges: dict = field(default_factory=dict)  # id -> edge
    grad_known: set = field(default_factory=set)  # node ids whose gradient is complete
    edge_sent: set = field(default_factory=set)  # edge ids whose downstream was sent
    current: str | None = None  # the node of the current step
    current_edges: tuple = ()

    @property
    def total(self) -> int:
        return len(self.trace["steps"])


def view(trace: dict, step: int | None = None) -> View:
    """The trace at a backprop step; None: at the end. Refuses a step past the last."""
    steps = trace["steps"]
    if step is None:
        step = len(steps)
    if not 0 <= step <= len(steps):
        raise ExportError(
            f"step must be between 0 and {len(steps)} (the backprop steps), not {step}"
        )
    v = View(trace, step)
    v.nodes = {n["id"]: n for n in trace["nodes"]}
    v.edges = {e["id"]: e for e in trace["edges"]}
    stepped_at = {s["node"]: k for k, s in enumerate(steps, 1)}
    for e in trace["edges"]:
        if e["downstream"] is not None and stepped_at.get(e["target"], math.inf) <= step:
            v.edge_sent.add(e["id"])
    waiting: dict[str, int] = {}
    for e in trace["edges"]:
        if e["downstream"] is not None and e["id"] not in v.edge_sent:
            waiting[e["source"]] = waiting.get(e["source"], 0) + 1
    for n in trace["nodes"]:
        if n["grad"] is None:
            continue
        if n["inputs"]:
            known = stepped_at.get(n["id"], math.inf) <= step
        else:
            known = step > 0 and not waiting.get(n["id"])
        if known:
            v.grad_known.add(n["id"])
    if step:
        s = steps[step - 1]
        v.current, v.current_edges = s["node"], tuple(s["edges"])
    return v


def layers(trace: dict) -> dict[str, int]:
    """Each node's column, as late as possible (as the page lays out): the output rightmost,
    every other node one left of its nearest consumer; the leftmost column is 0."""
    consumers: dict[str, list[str]] = {}
    for e in trace["edges"]:
        consumers.setdefault(e["source"], []).append(e["target"])
    col: dict[str, int] = {}
    for nid in reversed(trace["forward"]):
        col[nid] = min((col[c] for c in consumers.get(nid, ())), default=1) - 1
    low = min(col.values())
    return {nid: c - low for nid, c in col.items()}
