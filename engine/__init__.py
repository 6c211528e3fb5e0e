"""A numpy reverse-mode autodiff engine that records every step of backprop.

>>> import engine
>>> z = engine.Tensor(0.0, name="z")
>>> y = 1 / (1 + engine.exp(-z))
>>> y.backward()
>>> float(z.grad)
0.25
>>> [s["label"] for s in engine.trace(y)["steps"]]
['reciprocal', 'add', 'exp', 'negate']
"""

from . import optim  # gradient descent: engine.optim.Optimizer, engine.optim.RULES
from .arrays import as_array
from .backward import backward, topological_order
from .errors import ArgumentError, DomainError, EngineError, ShapeError
from .forward import ForwardRecord, forward_tangents, jvp
from .functions import function, nodes_made, sigmoid_expanded
from .gradcheck import check_cost, gradcheck
from .ops import OPS, Op, register
from .tensor import Tensor, apply, bind, constant, infer_shape, is_reciprocal
from .trace import decode, encode, trace

# engine.exp, engine.sum, ...: one function per op of the registry (see engine.functions).
globals().update({name: function(op) for name, op in OPS.items()})


def __getattr__(name: str):
    """The function of an op registered after import (a toy op in a test, a course's own op)."""
    op = OPS.get(name)
    if op is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    return function(op)


def __dir__() -> list[str]:
    return sorted({*globals(), *OPS})


def describe_ops() -> list[dict]:
    """Every op as JSON-ready data: what GET /api/ops serves, straight from the registry."""
    return [
        {
            "name": op.name,
            "title": op.title,
            "arity": op.arity,
            "kind": op.kind,
            "description": op.description,
            "signature": op.signature,
            "operator": op.symbol,
            "precedence": op.precedence,
            "formulas": list(op.formulas),
            "domain": list(op.domain),
            "params": {
                k: list(p.default) if isinstance(p.default, tuple) else p.default
                for k, p in op.params.items()
            },
            "convention": op.convention,
        }
        for op in OPS.values()
    ]


def show(out: Tensor, check: bool | None = None) -> None:
    """Display `out`'s backprop as the page's step-through in a Jupyter notebook, offline
    (backprops first if needed; `check` embeds the numerical check, by default when cheap)."""
    from backprop_notebook import show as show_in_notebook

    show_in_notebook(out, check)


__all__ = [
    "OPS", "ArgumentError", "DomainError", "EngineError", "Op", "ShapeError", "Tensor", "apply",
    "as_array", "backward", "bind", "check_cost", "constant", "decode", "describe_ops", "encode",
    "function", "gradcheck", "infer_shape", "is_reciprocal", "nodes_made", "register",
    "show", "sigmoid_expanded", "topological_order", "trace", *OPS,
    # forward mode and gradient descent
    "ForwardRecord", "forward_tangents", "jvp", "optim",
]  # fmt: skip
