"""The engine's functions, made from the registry: one per op, `engine.exp(x)`, `engine.sum(x, 1)`.

Each is `apply(name, ...)` with the op's signature and description, so `help(engine.sum)` reads
like a hand-written function; an op added to the registry gets its function with nothing else to
write. Only compositions of several ops, such as the post's expanded sigmoid, are written here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

from .backward import topological_order
from .ops import OPERANDS, Op
from .tensor import Tensor, apply


def function(op: Op) -> Callable[..., Tensor]:
    """The engine function of an op: `function(OPS["sum"])(x, axis=0)`."""
    name = op.name

    def f(*args, **kwargs) -> Tensor:
        return apply(name, *args, **kwargs)

    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [inspect.Parameter(v, positional) for v in OPERANDS[: op.arity]]
    parameters += [
        inspect.Parameter(k, positional, **({} if p.required else {"default": p.default}))
        for k, p in op.params.items()
    ]
    f.__signature__ = inspect.Signature(parameters, return_annotation=Tensor)
    f.__name__ = f.__qualname__ = name
    f.__module__ = "engine"
    f.__doc__ = f"{op.title}: {op.description}." + (
        f"\n\nConvention: {op.convention}." if op.convention else ""
    )
    return f


def sigmoid_expanded(x) -> Tensor:
    """The post's expansion 1/(1 + exp(-x)): negate, exp, add, reciprocal (and the constant 1)."""
    return 1 / (1 + apply("exp", -_tensor(x)))


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x, requires_grad=False)


def nodes_made(fn: Callable[..., Tensor], arity: int = 1) -> int:
    """How many nodes `fn` adds to a graph (on scalars): `nodes_made(sigmoid_expanded) == 5`."""
    inputs = [Tensor(0.5) for _ in range(arity)]
    order, _ = topological_order(fn(*inputs))
    return len(order) - arity
