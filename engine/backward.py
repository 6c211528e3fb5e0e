"""Reverse-mode autodiff that records every step: topological sort, then one reversed loop."""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING

import numpy as np

from .arrays import as_array
from .broadcast import unbroadcast
from .errors import ArgumentError
from .gcpause import paused_gc_for
from .ops import OPS

if TYPE_CHECKING:
    from .tensor import Tensor


@dataclass(slots=True)
class Record:
    """What one backward pass did, kept on the output tensor for `engine.trace`.

    Nodes are referred to by their index in the forward order, and the output itself is left
    out of `order` (it is always last): the output holds its record, so a record that held the
    output would make a reference cycle, and every graph would wait for the cycle collector.
    """

    order: list  # nodes in forward (topological) order, without the output
    steps: list  # (node index, upstream, [(local, downstream, reduction) per input]), backward
    contributions: dict  # node._seq -> [(consumer index, input index, downstream)], arrival order
    seed: np.ndarray
    grads: dict  # node._seq -> dL/d(node) of this pass (a later pass may overwrite node.grad)

    def nodes(self, output: Tensor) -> list[Tensor]:
        """All nodes in forward order, the output last."""
        return [*self.order, output]


def topological_order(root: Tensor) -> tuple[list[Tensor], dict[int, int]]:
    """Nodes reachable from root in the order they were computed (each after its inputs).

    Creation order is topological (a node is made after its inputs) and it is the order a
    learner wrote: statements top to bottom, operands left to right. So a plain iterative walk
    that collects the nodes (no recursion limit) and a sort suffice. Also counts each node's
    consumers (edges leaving it), for fan-out.

    Nodes are keyed by their creation number (`_seq`), never by id(): addresses share their low
    bits, so as dict keys they collide more or less depending on the memory layout, and
    backprop's speed with them.
    """
    nodes = [root]
    seen = {root._seq}
    consumers: dict[int, int] = {}
    stack = [root]
    while stack:
        for inp in stack.pop().inputs:
            key = inp._seq
            if key in seen:
                consumers[key] += 1
            else:
                consumers[key] = 1
                seen.add(key)
                nodes.append(inp)
                stack.append(inp)
    nodes.sort(key=_created)
    return nodes, consumers


_created = attrgetter("_seq")
_value = attrgetter("value")


def backward(root: Tensor, seed=None) -> Record:
    """Fill `.grad` of every node that needs one; record each step on `root`."""
    if seed is None:
        seed = _ONE if type(root.value) is np.float64 else np.ones_like(root.value)
    else:
        seed = as_array(seed)
        if seed.shape != root.shape:
            raise ArgumentError(
                f"the seed (upstream of the output) has shape {list(seed.shape)}, "
                f"but the output has shape {list(root.shape)}"
            )
    order, consumers = topological_order(root)
    with paused_gc_for(len(order)):
        return _backward(root, seed, order, consumers)


_ONE = np.float64(1.0)


def _backward(root: Tensor, seed, order: list, consumers: dict) -> Record:
    pending = {root._seq: seed}
    grads = {}
    steps = []
    contributions: dict[int, list] = {}
    for i in range(len(order) - 1, -1, -1):
        node = order[i]
        if not node.requires_grad:
            continue
        g = pending.pop(node._seq, None)
        if g is None:  # reached only through inputs with no rule (class indices): no gradient
            g = np.zeros_like(node.value, dtype=np.float64)
        # assigned, never accumulated across calls: a second backward gives the same gradients
        node._grad = grads[node._seq] = g
        if not node.inputs:
            continue
        op = OPS[node.op]
        values = list(map(_value, node.inputs))
        local_rules = op.local
        rules = local_rules or op.vjp
        edges = []
        for k, inp in enumerate(node.inputs):
            rule = rules[k]
            if rule is None or not inp.requires_grad:
                edges.append((None, None, None))
                continue
            if local_rules is not None:
                local = rule(node.value, *values)
                # downstream = upstream x local, then undo broadcasting
                full = g if type(local) is float and local == 1.0 else g * local
            else:
                local = None
                full = rule(g, node.value, *values, **node.attrs)
            if full.shape == inp.value.shape:
                downstream, reduction = full, None
            else:
                downstream, reduction = unbroadcast(full, inp.value.shape)
            edges.append((local, downstream, reduction))
            # fan-out: contributions to one node add up (the multivariate chain rule)
            key = inp._seq
            if key in pending:
                pending[key] = pending[key] + downstream
            else:
                pending[key] = downstream
            if consumers[key] > 1:
                contributions.setdefault(key, []).append((i, k, downstream))
        steps.append((i, g, edges))

    order.pop()  # the output: see Record
    record = Record(order, steps, contributions, seed, grads)
    root._record = record
    return record
