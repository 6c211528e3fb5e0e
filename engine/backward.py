"""Reverse-mode autodiff that records every step: topological sort, then one reversed loop."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .broadcast import unbroadcast
from .errors import ArgumentError
from .ops import OPS
from .tensor import Tensor, as_array
from .trace import paused_gc


@dataclass
class Record:
    """What one backward pass did, kept on the output tensor for `engine.trace`."""

    order: list  # nodes in forward (topological) order
    consumers: dict  # id(node) -> number of edges leaving it
    steps: list  # (node, upstream, [(local, downstream, reduction) per input]) in backprop order
    contributions: dict  # id(node) -> [(consumer, input index, downstream)] in arrival order
    seed: np.ndarray
    grads: dict  # id(node) -> dL/d(node) of this pass (a later pass may overwrite node.grad)


def topological_order(root: Tensor) -> tuple[list[Tensor], dict[int, int]]:
    """Nodes reachable from root, each after its inputs, inputs visited in argument order.

    Iterative (no recursion limit); also counts each node's consumers (edges leaving it).
    """
    order: list[Tensor] = []
    consumers: dict[int, int] = {}
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for inp in reversed(node.inputs):
            consumers[id(inp)] = consumers.get(id(inp), 0) + 1
            if id(inp) not in seen:
                stack.append((inp, False))
    return order, consumers


def backward(root: Tensor, seed=None) -> Record:
    """Fill `.grad` of every node that needs one; record each step on `root`."""
    if seed is None:
        seed = np.ones_like(root.value, dtype=np.float64)[()]
    else:
        seed = as_array(seed)
        if seed.shape != root.shape:
            raise ArgumentError(
                f"the seed (upstream of the output) has shape {list(seed.shape)}, "
                f"but the output has shape {list(root.shape)}"
            )
    with paused_gc():
        return _backward(root, seed)


def _backward(root: Tensor, seed) -> Record:
    order, consumers = topological_order(root)
    for node in order:  # a second backward starts afresh: gradients are never doubled
        node._grad = None

    pending = {id(root): seed}
    grads = {}
    steps = []
    contributions: dict[int, list] = {}
    for node in reversed(order):
        if not node.requires_grad:
            continue
        g = pending.pop(id(node), None)
        if g is None:  # reached only through inputs with no rule (class indices): no gradient
            g = np.zeros_like(node.value, dtype=np.float64)
        node._grad = grads[id(node)] = g
        if not node.inputs:
            continue
        op = OPS[node.op]
        values = [t.value for t in node.inputs]
        elementwise = op.local is not None
        edges = []
        for k, (inp, rule) in enumerate(zip(node.inputs, op.rules())):
            if not inp.requires_grad or rule is None:
                edges.append((None, None, None))
                continue
            if elementwise:
                local = rule(node.value, *values)
                # downstream = upstream x local, then undo broadcasting
                full = g if type(local) is float and local == 1.0 else g * local
            else:
                local = None
                full = rule(g, node.value, *values, **node.attrs)
            downstream, reduction = unbroadcast(full, inp.value.shape)
            edges.append((local, downstream, reduction))
            # fan-out: contributions to one node add up (the multivariate chain rule)
            key = id(inp)
            if key in pending:
                pending[key] = pending[key] + downstream
            else:
                pending[key] = downstream
            if consumers[key] > 1:
                contributions.setdefault(key, []).append((node, k, downstream))
        steps.append((node, g, edges))

    record = Record(order, consumers, steps, contributions, seed, grads)
    root._record = record
    return record
