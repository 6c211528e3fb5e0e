"""Shape rules: the output shape of each kind of op, computed before anything is allocated.

Every op in the registry has one; callers (the service) use `engine.infer_shape` to refuse a
request that would build a huge array before numpy tries to.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import ArgumentError, ShapeError

Shape = tuple[int, ...]


def size(shape: Shape) -> int:
    """Number of elements of an array of this shape: `size((3, 4)) == 12`."""
    return math.prod(shape)


def same(x: Shape, **_) -> Shape:
    return x


def broadcast(x: Shape, y: Shape, *, op: str = "broadcast") -> Shape:
    if x == y or not y:  # the common cases, without numpy's call overhead
        return x
    if not x:
        return y
    try:
        return tuple(np.broadcast_shapes(x, y))
    except ValueError:
        raise ShapeError(op, (x, y), "they do not broadcast (numpy's rules)") from None


def normalize_axes(op: str, ndim: int, axis) -> tuple[int, ...]:
    """The axes an `axis=` argument names, as sorted non-negative ints; None means all axes.

    As numpy's reductions: a scalar (ndim 0) takes the single integer axis 0 or -1 (and PyTorch's
    dim=0 / dim=-1), but no tuple of axes other than ().
    """
    if axis is None:
        return tuple(range(ndim))
    if ndim == 0 and isinstance(axis, int):
        if axis not in (0, -1):
            raise ArgumentError(f"{op}: axis {axis} is out of range for a scalar (0 or -1)")
        return ()
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ArgumentError(f"{op}: axis {a} is out of range for an array of {ndim} dimensions")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ArgumentError(f"{op}: axis {axis} repeats an axis")
    return tuple(sorted(out))


def _refuse_empty(op: str, x: Shape, axes: tuple[int, ...]) -> None:
    if any(x[a] == 0 for a in axes):
        raise ShapeError(op, (x,), "reduces over an empty axis (it has no value there)")


def reduce(x: Shape, *, axis=None, keepdims=False, op: str = "reduce", nonempty=False) -> Shape:
    """`nonempty`: the reduction has no identity element (max, logsumexp), so numpy refuses it
    over an empty axis."""
    axes = normalize_axes(op, len(x), axis)
    if nonempty:
        _refuse_empty(op, x, axes)
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(x))
    return tuple(n for i, n in enumerate(x) if i not in axes)


def along_axis(x: Shape, *, axis=-1, op: str = "softmax", nonempty=False) -> Shape:
    """Softmax-like ops keep the shape. Axes as numpy's reductions take them (the forward and the
    rule both do): a scalar takes axis 0 or -1; a tuple, or None for all, normalises jointly."""
    axes = normalize_axes(op, len(x), axis)
    if nonempty:
        _refuse_empty(op, x, axes)
    return x


def matmul(x: Shape, y: Shape, *, op: str = "matmul") -> Shape:
    if len(x) == 0 or len(y) == 0:
        raise ShapeError(op, (x, y), "matmul needs operands with at least one dimension")
    xk = x[-1]
    yk = y[-2] if len(y) >= 2 else y[0]
    if xk != yk:
        raise ShapeError(op, (x, y), f"inner dimensions differ ({xk} vs {yk})")
    batch_x = x[:-2] if len(x) >= 2 else ()
    batch_y = y[:-2] if len(y) >= 2 else ()
    try:
        batch = tuple(np.broadcast_shapes(batch_x, batch_y))
    except ValueError:
        raise ShapeError(op, (x, y), "batch dimensions do not broadcast") from None
    rows = (x[-2],) if len(x) >= 2 else ()
    cols = (y[-1],) if len(y) >= 2 else ()
    return batch + rows + cols


def transpose(x: Shape, *, axes=None, op: str = "transpose") -> Shape:
    if axes is None:
        return tuple(reversed(x))
    perm = tuple(axes)
    if any(not -len(x) <= a < len(x) for a in perm):
        raise ArgumentError(f"{op}: axes {list(perm)} out of range for {len(x)} dimensions")
    if sorted(a % len(x) if len(x) else a for a in perm) != list(range(len(x))):
        raise ArgumentError(f"{op}: axes {list(perm)} is not a permutation of {len(x)} axes")
    return tuple(x[a] for a in perm)


def reshape(x: Shape, *, shape=None, op: str = "reshape") -> Shape:
    if shape is None:
        raise ArgumentError(f"{op} needs a shape, e.g. {op}(x, (2, 3))")
    target = tuple(shape)
    if target.count(-1) > 1 or any(n < -1 for n in target):
        raise ArgumentError(
            f"{op}: shape {list(target)} may hold at most one -1 and no other negative"
        )
    known = size(tuple(n for n in target if n != -1))
    if -1 in target:
        if known == 0 or size(x) % known:
            raise ShapeError(op, (x,), f"cannot reshape {size(x)} elements into {list(target)}")
        target = tuple(size(x) // known if n == -1 else n for n in target)
    if size(target) != size(x):
        raise ShapeError(op, (x,), f"cannot reshape {size(x)} elements into {list(target)}")
    return target


def cross_entropy(logits: Shape, targets: Shape, *, op: str = "cross_entropy") -> Shape:
    if len(logits) != 2 or len(targets) != 1 or logits[0] != targets[0]:
        raise ShapeError(
            op, (logits, targets), "expects logits of shape [N, C] and integer targets of shape [N]"
        )
    if logits[1] == 0:
        raise ShapeError(op, (logits, targets), "needs at least one class (C > 0)")
    return ()


def mse(pred: Shape, target: Shape, *, op: str = "mse") -> Shape:
    broadcast(pred, target, op=op)
    return ()
