"""The post's numerical validation as a tool: central differences beside the analytic gradients."""

from __future__ import annotations

import numpy as np

from .backward import backward, topological_order
from .errors import EngineError
from .ops import OPS
from .tensor import Tensor
from .trace import encode, ids


def compare(analytic, numeric, rtol: float, atol: float) -> dict:
    """Max absolute and relative error; ok when every element is within atol + rtol*|numeric|."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    err = np.abs(a - n)
    scale = np.maximum(np.abs(a), np.abs(n))
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(scale > 0, err / np.where(scale > 0, scale, 1.0), 0.0)
    return {
        "analytic": encode(a),
        "numeric": encode(n),
        "max_abs_error": encode(err.max()) if err.size else 0.0,
        "max_rel_error": encode(rel.max()) if rel.size else 0.0,
        "ok": bool(np.all(err <= atol + rtol * np.abs(n))),
    }


def central_difference(f, x: np.ndarray, g, eps: float) -> np.ndarray:
    """d/dx of sum(g * f(x)), one element of x at a time: (f(x+eps) - f(x-eps)) / 2 eps."""
    x = np.array(x, dtype=np.float64)
    out = np.zeros_like(x)
    for j in range(x.size):
        old = x.flat[j]
        x.flat[j] = old + eps
        hi = np.sum(g * f(x))
        x.flat[j] = old - eps
        lo = np.sum(g * f(x))
        x.flat[j] = old
        out.flat[j] = (hi - lo) / (2 * eps)
    return out


def _checked(order: list[Tensor]) -> tuple[list, list[Tensor]]:
    """The edges with a gradient rule into an input that needs a gradient, and the leaves they
    reach (a leaf reached only through inputs with no rule, class indices, has none to check)."""
    edges = [
        (node, k, inp)
        for node in order
        for k, inp in enumerate(node.inputs)
        if inp.requires_grad and OPS[node.op].rules()[k] is not None
    ]
    differentiable = {id(inp) for _, _, inp in edges}
    return edges, [n for n in order if not n.inputs and id(n) in differentiable]


def check_cost(out: Tensor, record=None) -> dict:
    """What `gradcheck(out)` will cost, before running it: op evaluations (each leaf element is
    nudged twice and the whole graph re-run; each edge's op is re-run twice per element of its
    input) and element operations (the same, weighted by the sizes involved)."""
    order = record.nodes(out) if record is not None else topological_order(out)[0]
    edges, leaves = _checked(order)
    leaf_elements = sum(np.size(n.value) for n in leaves)
    graph_elements = sum(np.size(n.value) for n in order)
    return {
        "evaluations": 2 * leaf_elements * len(order)
        + 2 * sum(np.size(inp.value) for _, _, inp in edges),
        "work": 2 * leaf_elements * graph_elements
        + 2 * sum(np.size(inp.value) * np.size(node.value) for node, _, inp in edges),
    }


def gradcheck(
    out: Tensor,
    eps: float = 1e-6,
    rtol: float = 1e-4,
    atol: float = 1e-6,
    max_evaluations: int | None = None,
) -> dict:
    """Check every leaf's gradient and every edge's downstream against central differences.

    Runs `out.backward()` first when it has not been run. Each leaf is checked by perturbing it
    and re-running the whole forward pass; each edge by perturbing that input of that op alone.
    Kinks (relu, abs, max, ties) within the step of a perturbation are flagged: there the
    numerical estimate is not a derivative and a mismatch is expected.
    """
    record = out._record or backward(out)
    order, seed = record.nodes(out), record.seed
    node_ids, first, edge_ids = ids(order)
    position = {id(node): i for i, node in enumerate(order)}
    nid = {key: node_ids[i] for key, i in position.items()}

    def eid(node: Tensor, k: int) -> str:
        return edge_ids[first[position[id(node)]] + k]

    checked_edges, leaves = _checked(order)
    cost = check_cost(out, record)["evaluations"]
    if max_evaluations is not None and cost > max_evaluations:
        raise EngineError(
            f"the numerical check would take {cost} op evaluations, over the limit of "
            f"{max_evaluations}: use smaller tensors or fewer inputs"
        )

    kinks = []
    for node in order:
        op = OPS.get(node.op)
        if op is not None and op.kink is not None:
            if op.kink(eps, *[i.value for i in node.inputs], **node.attrs):
                kinks.append(
                    {
                        "node": nid[id(node)],
                        "op": node.op,
                        "message": f"{op.title} is evaluated within {eps:g} of a kink "
                        f"({op.convention}); the central difference straddles it",
                    }
                )
    kinked = {k["node"] for k in kinks}

    def forward_with(leaf: Tensor):
        def f(x):
            values = {}
            for node in order:
                if node is leaf:
                    values[id(node)] = x
                elif not node.inputs:
                    values[id(node)] = node.value
                else:
                    args = [values[id(i)] for i in node.inputs]
                    values[id(node)] = OPS[node.op].forward(*args, **node.attrs)
            return values[id(out)]

        return f

    downstreams = {
        (id(order[i]), k): rec[1] for i, _, recs in record.steps for k, rec in enumerate(recs)
    }
    inputs = []
    with np.errstate(all="ignore"):
        for leaf in leaves:
            numeric = central_difference(forward_with(leaf), leaf.value, seed, eps)
            row = {"node": nid[id(leaf)], "name": leaf.name}
            row.update(compare(record.grads[leaf._seq], numeric, rtol, atol))
            row["kink"] = bool(kinks)
            inputs.append(row)

        edges = []
        for node, k, inp in checked_edges:
            op = OPS[node.op]
            args = [i.value for i in node.inputs]

            def f(x, args=args, k=k, op=op, attrs=node.attrs):
                return op.forward(*args[:k], x, *args[k + 1 :], **attrs)

            numeric = central_difference(f, inp.value, record.grads[node._seq], eps)
            downstream = downstreams[(id(node), k)]
            row = {"edge": eid(node, k), "source": nid[id(inp)], "target": nid[id(node)]}
            row.update(compare(downstream, numeric, rtol, atol))
            row["kink"] = nid[id(node)] in kinked
            if op.local is not None:
                # Elementwise: each output element depends on one element of this input, so
                # nudging all of them at once gives every local gradient in one difference.
                x = np.asarray(inp.value)
                local_numeric = (f(x + eps) - f(x - eps)) / (2 * eps)
                local = np.broadcast_to(op.local[k](node.value, *args), np.shape(node.value))
                check = compare(local, local_numeric, rtol, atol)
                row["local"] = {
                    key: check[key]
                    for key in ("analytic", "numeric", "max_abs_error", "max_rel_error", "ok")
                }
            edges.append(row)

    ok = all(r["ok"] or r["kink"] for r in inputs + edges)
    return {
        "eps": eps,
        "rtol": rtol,
        "atol": atol,
        "ok": ok,
        "inputs": inputs,
        "edges": edges,
        "kinks": kinks,
    }
