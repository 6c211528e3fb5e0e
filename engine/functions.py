"""The engine's functions, one per op in the registry (operators cover add, sub, mul, ...).

These are also exactly the functions the expression language may call (see FUNCTIONS).
"""

from __future__ import annotations

from .tensor import Tensor, apply


def add(x, y) -> Tensor:
    return apply("add", x, y)


def sub(x, y) -> Tensor:
    return apply("sub", x, y)


def mul(x, y) -> Tensor:
    return apply("mul", x, y)


def div(x, y) -> Tensor:
    return apply("div", x, y)


def pow(x, y) -> Tensor:  # noqa: A001 - the op's name
    return apply("pow", x, y)


def neg(x) -> Tensor:
    return apply("neg", x)


def reciprocal(x) -> Tensor:
    return apply("reciprocal", x)


def exp(x) -> Tensor:
    return apply("exp", x)


def log(x) -> Tensor:
    return apply("log", x)


def sqrt(x) -> Tensor:
    return apply("sqrt", x)


def abs(x) -> Tensor:  # noqa: A001
    return apply("abs", x)


def sin(x) -> Tensor:
    return apply("sin", x)


def cos(x) -> Tensor:
    return apply("cos", x)


def tanh(x) -> Tensor:
    return apply("tanh", x)


def sigmoid(x) -> Tensor:
    """The logistic sigmoid as ONE node, with local gradient s(1 - s)."""
    return apply("sigmoid", x)


def sigmoid_expanded(x) -> Tensor:
    """The post's expansion 1/(1 + exp(-x)): four nodes, negate, exp, add, reciprocal."""
    return 1 / (1 + exp(-x))


def relu(x) -> Tensor:
    return apply("relu", x)


def maximum(x, y) -> Tensor:
    return apply("maximum", x, y)


def minimum(x, y) -> Tensor:
    return apply("minimum", x, y)


def matmul(x, y) -> Tensor:
    return apply("matmul", x, y)


def sum(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001
    return apply("sum", x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False) -> Tensor:
    return apply("mean", x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001
    return apply("max", x, axis=axis, keepdims=keepdims)


def transpose(x, axes=None) -> Tensor:
    return apply("transpose", x, axes=axes)


def reshape(x, shape) -> Tensor:
    return apply("reshape", x, shape=shape)


def softmax(x, axis=-1) -> Tensor:
    return apply("softmax", x, axis=axis)


def log_softmax(x, axis=-1) -> Tensor:
    return apply("log_softmax", x, axis=axis)


def logsumexp(x, axis=None, keepdims=False) -> Tensor:
    return apply("logsumexp", x, axis=axis, keepdims=keepdims)


def mse(pred, target) -> Tensor:
    """Mean squared error: mean((pred - target)^2)."""
    return apply("mse", pred, target)


def cross_entropy(logits, targets) -> Tensor:
    """Mean over the batch of -log_softmax(logits)[i, targets[i]]; targets are class indices."""
    return apply("cross_entropy", logits, targets)
