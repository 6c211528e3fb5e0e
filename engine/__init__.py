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

from .backward import backward, topological_order
from .errors import ArgumentError, DomainError, EngineError, ShapeError
from .functions import (
    abs,
    add,
    cos,
    cross_entropy,
    div,
    exp,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    minimum,
    mse,
    mul,
    neg,
    pow,
    reciprocal,
    relu,
    reshape,
    sigmoid,
    sigmoid_expanded,
    sin,
    softmax,
    sqrt,
    sub,
    sum,
    tanh,
    transpose,
)
from .gradcheck import gradcheck
from .ops import OPS, Op
from .tensor import Tensor, apply, as_array, bind, constant, infer_shape
from .trace import decode, encode, trace

#: The functions an expression may call, by name: one per op in the registry.
FUNCTIONS = {name: globals()[name] for name in OPS}


def describe_ops() -> list[dict]:
    """Every op as JSON-ready data: what GET /api/ops serves, straight from the registry."""
    return [
        {
            "name": op.name,
            "title": op.title,
            "arity": op.arity,
            "kind": op.kind,
            "description": op.description,
            "formulas": list(op.formulas),
            "domain": list(op.domain),
            "params": {k: list(v) if isinstance(v, tuple) else v for k, v in op.params.items()},
            "convention": op.convention,
        }
        for op in OPS.values()
    ]


__all__ = [
    "FUNCTIONS",
    "OPS",
    "ArgumentError",
    "DomainError",
    "EngineError",
    "Op",
    "ShapeError",
    "Tensor",
    "abs",
    "add",
    "apply",
    "as_array",
    "backward",
    "bind",
    "constant",
    "cos",
    "cross_entropy",
    "decode",
    "describe_ops",
    "div",
    "encode",
    "exp",
    "gradcheck",
    "infer_shape",
    "log",
    "log_softmax",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "minimum",
    "mse",
    "mul",
    "neg",
    "pow",
    "reciprocal",
    "relu",
    "reshape",
    "sigmoid",
    "sigmoid_expanded",
    "sin",
    "softmax",
    "sqrt",
    "sub",
    "sum",
    "tanh",
    "topological_order",
    "trace",
    "transpose",
]
