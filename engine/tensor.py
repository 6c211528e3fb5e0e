"""Tensor: a numpy value in a graph of ops, and `apply`, the one way an op node is made."""

from __future__ import annotations

import itertools
from operator import attrgetter
from typing import Any

import numpy as np

from .arrays import as_array
from .backward import backward as _backward
from .errors import ArgumentError, ShapeError
from .ops import OPS, Op

#: Creation order: the forward order of a trace is the order the nodes were computed in.
_CREATED = itertools.count()


class Tensor:
    """A node of the computational graph: a float64 numpy value, the op that made it, its inputs.

    >>> z = Tensor(0.0, name="z")
    >>> y = 1 / (1 + exp(-z))
    >>> y.backward()
    >>> float(z.grad)
    0.25
    """

    __slots__ = (
        "value",
        "_grad",
        "op",
        "inputs",
        "attrs",
        "name",
        "span",
        "requires_grad",
        "_record",
        "_seq",
    )
    __array_priority__ = 1000  # ndarray + Tensor defers to Tensor.__radd__

    def __init__(self, value: Any, name: str | None = None, requires_grad: bool = True):
        requires_grad = bool(requires_grad)
        self._set(as_array(value), "input" if requires_grad else "const", (), {}, requires_grad)
        self.name = name

    def _set(self, value, op: str, inputs: tuple, attrs: dict, requires_grad: bool) -> None:
        """Every field of a node: the one place a Tensor is filled in (leaves and op nodes)."""
        self.value = value
        self._grad = None
        self.op = op
        self.inputs = inputs
        self.attrs = attrs
        self.name = None
        self.span = None  # (line, col, end_line, end_col) in the source text; set by the service
        self.requires_grad = requires_grad
        self._record = None
        self._seq = next(_CREATED)

    # -- values -----------------------------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The forward value, a numpy array of this tensor's shape."""
        return np.asarray(self.value)

    @data.setter
    def data(self, value: Any) -> None:
        """Replace the value (e.g. a gradient step `w.data -= lr * w.grad`); graphs built from
        the old value keep it."""
        self.value = as_array(value)

    @property
    def grad(self) -> np.ndarray | None:
        """dL/d(this tensor) after `backward()`; None before, and for constants.

        A read-only view: gradients are shared between the nodes of one pass (an add passes its
        upstream on unchanged), so writing into one would silently change another.
        """
        if self._grad is None:
            return None
        view = np.asarray(self._grad).view()
        view.flags.writeable = False
        return view

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape  # an ndarray, or np.float64 for a scalar: both have it

    @property
    def ndim(self) -> int:
        return self.value.ndim

    @property
    def is_leaf(self) -> bool:
        return not self.inputs

    def item(self) -> float:
        return float(self.value)

    def __repr__(self) -> str:
        tag = f", name={self.name!r}" if self.name else ""
        return f"Tensor({np.asarray(self.value)!r}, op={self.op!r}{tag})"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict | None:
        """In Jupyter, after `backward()`: the page's step-through of this backprop, inline
        (backprop_notebook, imported only here: the engine itself has no web code)."""
        if self._record is None:
            return None  # no backprop from here: the plain repr
        from backprop_notebook import mimebundle

        return mimebundle(self)

    # -- backprop ---------------------------------------------------------------------------
    def backward(self, seed: Any = None) -> None:
        """Backprop from this tensor; afterwards every node's `.grad` holds dL/d(node).

        The upstream of the output is `seed`, by default ones of the output's shape (L is then
        the sum of the output). Each call recomputes every gradient in the graph from scratch,
        so calling it twice gives the same gradients, never doubled ones.
        """
        _backward(self, seed)

    # -- operators --------------------------------------------------------------------------
    def __add__(self, other):
        return _binary("add", self, other)

    def __radd__(self, other):
        return _binary("add", other, self)

    def __sub__(self, other):
        return _binary("sub", self, other)

    def __rsub__(self, other):
        return _binary("sub", other, self)

    def __mul__(self, other):
        return _binary("mul", self, other)

    def __rmul__(self, other):
        return _binary("mul", other, self)

    def __truediv__(self, other):
        return _binary("div", self, other)

    def __rtruediv__(self, other):
        if is_reciprocal(other):
            return apply("reciprocal", self)
        return _binary("div", other, self)

    def __pow__(self, other):
        return _binary("pow", self, other)

    def __rpow__(self, other):
        return _binary("pow", other, self)

    def __matmul__(self, other):
        return _binary("matmul", self, other)

    def __rmatmul__(self, other):
        return _binary("matmul", other, self)

    def __neg__(self):
        return apply("neg", self)

    def __pos__(self):
        return self

    # -- methods in the style of numpy and PyTorch --------------------------------------------
    def sum(self, axis=None, keepdims=False):
        return apply("sum", self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return apply("mean", self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return apply("max", self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        return apply("reshape", self, shape=shape[0] if len(shape) == 1 else shape)

    def transpose(self, axes=None):
        return apply("transpose", self, axes=axes)

    @property
    def T(self):
        return apply("transpose", self)

    def exp(self):
        return apply("exp", self)

    def log(self):
        return apply("log", self)

    def tanh(self):
        return apply("tanh", self)

    def relu(self):
        return apply("relu", self)

    def sigmoid(self):
        return apply("sigmoid", self)


def is_reciprocal(numerator) -> bool:
    """Whether `numerator / x` is recorded as reciprocal(x): a plain number 1, as in the post's
    1/(1+exp(-z)), whose first backward step is the reciprocal. The one place this is decided
    (the expression language asks too)."""
    return not isinstance(numerator, Tensor) and np.ndim(numerator) == 0 and numerator == 1


def constant(value: Any, name: str | None = None) -> Tensor:
    """A leaf that needs no gradient (a literal in an expression, a target, data)."""
    return Tensor(value, name=name, requires_grad=False)


def _binary(name: str, x, y) -> Tensor:
    return make(OPS[name], (_wrap(x), _wrap(y)), {})


def _wrap(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x, requires_grad=False)


_value = attrgetter("value")


def make(op: Op, inputs: tuple[Tensor, ...], attrs: dict) -> Tensor:
    """Run the op's forward pass on tensors and record the result as a node; attrs are bound
    already (see `bind`). The hot path of every graph: keep it lean."""
    try:
        value = op.forward(*map(_value, inputs), **attrs)
    except ValueError as exc:
        op.shape(*[np.shape(t.value) for t in inputs], **attrs)  # raises the clear ShapeError
        raise ShapeError(op.name, [np.shape(t.value) for t in inputs], str(exc)) from None
    out = Tensor.__new__(Tensor)
    requires_grad = False
    for t in inputs:
        if t.requires_grad:
            requires_grad = True
            break
    out._set(value, op.name, inputs, attrs, requires_grad)
    return out


def bind(name: str, args: tuple, kwargs: dict) -> tuple[Op, tuple, dict]:
    """Split a call's arguments into operands and checked attrs: `sum(x, 1)` -> (x,), {axis: 1}.

    The one binder of the Python API and the expression language (which passes its operands as
    syntax nodes: operands are returned as given). An ArgumentError names the argument to blame.
    """
    op = OPS.get(name)
    if op is None:
        raise ArgumentError(f"unknown op {name!r}")
    if len(args) < op.arity:
        raise ArgumentError(f"{name} takes {op.arity} operand(s), got {len(args)}")
    params = op.params
    operands, extra = args[: op.arity], args[op.arity :]
    if len(extra) > len(params):
        raise ArgumentError(
            f"{name} takes {op.arity} operand(s)"
            + (f" then {', '.join(params)}" if params else "")
            + f", got {len(args)} arguments",
            argument=op.arity + len(params),
        )
    given = dict(zip(params, extra))
    for key in kwargs:
        if key not in params:
            known = ", ".join(params) or "none"
            raise ArgumentError(f"{name} has no keyword {key!r} (its keywords: {known})", key)
        if key in given:
            raise ArgumentError(f"{name} got {key!r} twice", key)
    given.update(kwargs)
    attrs = {}
    for key, param in params.items():
        if key in given:
            attrs[key] = param.check(name, key, given[key])
        elif param.required:
            raise ArgumentError(f"{name} needs a {key}, e.g. {op.signature}", key)
        else:
            attrs[key] = param.default
    return op, operands, attrs


def apply(name: str, *args, **kwargs) -> Tensor:
    """Apply the registry's op `name`: `apply("sum", x, axis=0)`; numbers become constants."""
    op = OPS.get(name)
    if op is not None and not op.params and not kwargs and len(args) == op.arity:
        return make(op, tuple(map(_wrap, args)), {})  # nothing to bind: exp(x), mse(p, t)
    op, operands, attrs = bind(name, args, kwargs)
    return make(op, tuple(map(_wrap, operands)), attrs)


def infer_shape(name: str, *shapes_: tuple, **attrs) -> tuple[int, ...]:
    """The output shape `name` would produce for operands of these shapes, without computing it."""
    return tuple(OPS[name].shape(*[tuple(s) for s in shapes_], **attrs))
