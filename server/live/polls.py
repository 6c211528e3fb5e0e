"""Polls: the question about one edge of the current backprop step, its right answer, and the
class's answers scored and binned for the reveal. Pure: no I/O."""

from __future__ import annotations

import math
import re
from collections import Counter

QUANTITIES = ("downstream", "local")
#: An answer counts as right within this relative error (or ABS_TOL near zero): students type
#: 0.2 for 0.19661193 no more than they type it to eight digits, so 3 significant digits.
REL_TOL = 5e-3
ABS_TOL = 1e-3
#: Bars of the histogram: the most frequent values, the rest summed in one "other" bar.
MAX_BINS = 12
MAX_ANSWER_CHARS = 32
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?", re.IGNORECASE)


def parse_answer(value: float | str) -> float | None:
    """A student's answer as a finite number, or None: a number or its decimal text."""
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-")  # a typographic minus
        if len(text) > MAX_ANSWER_CHARS or not NUMBER.fullmatch(text):
            return None
        value = float(text)
    value = float(value)
    return value if math.isfinite(value) else None


def is_right(value: float, answer: float) -> bool:
    return abs(value - answer) <= max(ABS_TOL, REL_TOL * abs(answer))


def question(trace: dict, edge_id: str, quantity: str) -> tuple[str, float] | str:
    """(the question, its answer) about one edge of a trace, or why it cannot be asked."""
    edge = next((e for e in trace["edges"] if e["id"] == edge_id), None)
    if edge is None:
        return f"the graph has no edge {edge_id!r}"
    value = edge[quantity]
    if value is None:
        return f"the edge {edge_id} carries no {quantity} gradient (a vector-Jacobian op)"
    if isinstance(value, list):
        return f"the {quantity} gradient of edge {edge_id} is a tensor: polls ask for one number"
    if isinstance(value, str):
        return f"the {quantity} gradient of edge {edge_id} is {value}: not a number to guess"
    nodes = {n["id"]: n for n in trace["nodes"]}
    source, target = nodes[edge["source"]], nodes[edge["target"]]
    src, tgt = source["name"] or source["label"], target["name"] or target["label"]
    d_src = f"d{src}" if source["name"] else f"d({src})"
    d_tgt = f"d{tgt}" if target["name"] else f"d({tgt})"
    if quantity == "downstream":
        text = f"What is the downstream gradient dL/{d_src}, sent by {tgt} to {src}?"
    else:
        text = f"What is the local gradient {d_tgt}/{d_src} of {tgt} with respect to {src}?"
    return text, float(value)


def _bin_value(x: float) -> float:
    """Answers within three significant digits share a bar."""
    return float(f"{x:.3g}")


def results(values: list[float], answer: float) -> dict:
    """{count, right, answer, histogram}: bars sorted by value, the right one(s) marked."""
    counts = Counter(_bin_value(v) for v in values)
    right_by_bin: Counter = Counter()
    for v in values:
        right_by_bin[_bin_value(v)] += is_right(v, answer)
    top = sorted(counts.most_common(MAX_BINS), key=lambda kv: kv[0])
    histogram = [
        {"value": value, "count": n, "right": right_by_bin[value] * 2 >= n} for value, n in top
    ]
    other = len(values) - sum(n for _, n in top)
    return {
        "count": len(values),
        "right": sum(is_right(v, answer) for v in values),
        "answer": answer,
        "histogram": histogram,
        "other": other,
    }
