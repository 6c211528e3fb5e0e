"""Forward mode: tangents flow from the inputs to the output, node by node, in one pass.

Where backprop carries dL/d(node) from the output back to every input (one pass gives the
gradient of one output with respect to all inputs), forward mode carries d(node)/dt along one
direction t of the inputs (one pass gives the derivative of every node along that direction: a
Jacobian-vector product, JAX's `jvp`). Each node's tangent is the sum over its inputs of

    elementwise ops   local * tangent_in              (the same local gradient backprop uses)
    the others        op.jvp[k](tangent_in, ans, x, y, **attrs)    (engine/ops.py)

An input whose tangent is zero (not in the direction, a constant) sends nothing: its share is
left out (None), as JAX's symbolic zeros, so 0 * inf never makes a NaN out of nothing.

>>> import engine
>>> z = engine.Tensor(0.0, name="z")
>>> out, t = engine.jvp(lambda z: 1 / (1 + engine.exp(-z)), [z], [1.0])
>>> float(t)
0.25
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .arrays import as_array
from .backward import topological_order
from .errors import ArgumentError, EngineError
from .gcpause import paused_gc_for
from .ops import OPS
from .tensor import Tensor


@dataclass(slots=True)
class ForwardRecord:
    """What one forward-mode pass computed: per node its tangent, per edge its share.

    `tangents` and `shares` are keyed by the node's creation number (`_seq`); a tangent of None
    is zero, and so is a share of None (or the input has no rule: class indices)."""

    order: list  # every node in forward order, the output last
    tangents: dict  # node._seq -> d(node) along the direction, or None for zero
    shares: dict  # node._seq -> [share of each input in the node's tangent]

    def tangent(self, node: Tensor) -> np.ndarray:
        """The node's tangent, zeros of its shape when nothing reached it."""
        t = self.tangents.get(node._seq)
        return np.zeros_like(node.value) if t is None else t


def forward_tangents(out: Tensor, tangents: Mapping[Tensor, Any]) -> ForwardRecord:
    """One forward-mode pass over out's graph with the leaves' tangents given (others zero).

    A tangent may be a number or an array that broadcasts to its leaf's shape.
    """
    order, _ = topological_order(out)
    known = {t._seq for t in order}
    seeded: dict[int, Any] = {}
    for leaf, t in tangents.items():
        if not isinstance(leaf, Tensor):
            raise ArgumentError(f"tangents are keyed by the input tensors, not {leaf!r}")
        if leaf.inputs:
            raise ArgumentError(f"a tangent is given for {leaf!r}, which is not a leaf")
        if leaf._seq not in known:
            continue  # an input the output does not depend on
        t = as_array(t)
        if t.shape != leaf.shape:
            try:
                t = np.array(np.broadcast_to(t, leaf.shape))
            except ValueError:
                what = leaf.name or "an input"
                raise ArgumentError(
                    f"the tangent of {what} has shape {list(t.shape)}, but {what} has shape "
                    f"{list(leaf.shape)}"
                ) from None
        seeded[leaf._seq] = t
    with paused_gc_for(len(order)):
        return _forward(order, seeded)


def _forward(order: list, seeded: dict) -> ForwardRecord:
    got = dict(seeded)
    shares: dict[int, list] = {}
    for node in order:
        if not node.inputs:
            got.setdefault(node._seq, None)
            continue
        op = OPS[node.op]
        local_rules = op.local
        ans = node.value
        values = [i.value for i in node.inputs]
        parts = []
        total = None
        for k, inp in enumerate(node.inputs):
            t = got[inp._seq]
            if t is None:
                parts.append(None)
                continue
            if local_rules is not None:
                rule = local_rules[k]
                if rule is None:
                    parts.append(None)
                    continue
                local = rule(ans, *values)
                share = t if type(local) is float and local == 1.0 else local * t
                if type(share) is float:  # a rule's constant times a float tangent
                    share = np.float64(share)
                if share.shape != ans.shape:
                    share = np.broadcast_to(share, ans.shape)
            else:
                if op.jvp is None:
                    raise EngineError(f"{op.name} has no forward-mode rule (jvp in engine/ops.py)")
                rule = op.jvp[k]
                if rule is None:
                    parts.append(None)
                    continue
                share = as_array(rule(t, ans, *values, **node.attrs))
            parts.append(share)
            total = share if total is None else total + share
        shares[node._seq] = parts
        got[node._seq] = total
    return ForwardRecord(order, got, shares)


def jvp(
    f: Callable[..., Tensor], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[Tensor, np.ndarray]:
    """JAX's `jvp`: f at the primals, and its derivative along the tangents (one forward pass).

    >>> out, t = jvp(lambda x, y: x * y, [3.0, 4.0], [1.0, 0.0])
    >>> float(t)  # d(xy)/dx = y
    4.0
    """
    if len(primals) != len(tangents):
        raise ArgumentError(f"{len(primals)} primals but {len(tangents)} tangents")
    xs = [p if isinstance(p, Tensor) else Tensor(p) for p in primals]
    out = f(*xs)
    record = forward_tangents(out, dict(zip(xs, tangents)))
    return out, record.tangent(out)
