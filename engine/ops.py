r"""The op registry: one entry per op, everything about it in a few adjacent lines.

Vocabulary of the rules (as in HIPS autograd and PyTorch's derivatives.yaml):
    x, y   the op's inputs (numpy arrays), in argument order
    ans    the op's output, already computed by the forward pass
    g      the upstream gradient dL/d(ans), shape of ans

An entry gives
    forward      numpy function of the inputs (and keyword attrs such as axis)
    local        elementwise ops only: one rule per input, (ans, x, y) -> d(ans)/d(input), an array
                 (or scalar) broadcastable to ans. downstream = unbroadcast(g * local).
    vjp          all other ops: one rule per input, (g, ans, x, y, **attrs) -> downstream before the
                 broadcast reduction. The reduction back to an input's shape is never done in a rule:
                 the backward pass does it in one place (engine.broadcast) and records it.
    jvp          forward mode, the ops with a vjp: one rule per input, (t, ans, x, y, **attrs) ->
                 the output's tangent from that input's tangent t (the others held at zero); the
                 output's tangent is the sum over inputs. Elementwise ops need none: their share
                 is local * t (engine.forward).
    formulas     LaTeX of the local derivative per input, in the words above
    domain       per input, where the op is smooth and its numerical test samples from:
                 "real", "positive", "nonzero", or "class_index" (integer targets, no gradient)
    shape        output shape from input shapes, checked before allocating (engine.shapes)
    params       keyword attrs (Param: default and check), in the order they may also be given
                 positionally
    symbol       how Python and the expression language write the op: "+", "-x", "1/x"; None
                 for ops that are only called by name
    precedence   the binding strength of that symbol in Python (higher binds tighter)
    work         multiply-adds of one evaluation, (out_shape, *input_shapes, **attrs) -> int, for
                 the service's limits; by default one per element (see Op.cost)
    convention   how a kink is resolved (relu'(0), abs'(0), ties in max), shown with the op
    kink         (eps, x, y, **attrs) -> True when a central difference of step eps straddles a kink
    torch        how PyTorch writes the op, a template of the operands {x}, {y} and the attrs
                 ({axis}, {keepdims}, ...): "{x} + {y}", "torch.amax({x}, dim={axis})"; by default
                 torch.<name>({x}) (the exported PyTorch script, server/export/torch_script.py)

Adding an op is one entry here: the engine's function `engine.<name>`, the expression language,
the service's limits, GET /api/ops and the page's formulas all read this table.

A rule of None marks an input that is not differentiable (class indices); every other input must
have both a rule and a formula (tests/engine/test_registry.py fails otherwise).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from . import shapes
from .errors import ArgumentError, DomainError

#: The names of an op's operands, in order (the rules' and the formulas' words).
OPERANDS = ("x", "y", "z")
#: Python's binding strength of the operators (its grammar, lowest first): what a printer of
#: expressions needs to place parentheses.
PRECEDENCE = {"+": 1, "*": 2, "-x": 3, "**": 4}


# ---------------------------------------------------------------------------------------------
# Params: keyword attrs of an op, each with its default and the check of a given value
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Param:
    default: Any
    check: Callable[[str, str, Any], Any]  # (op, key, value) -> the value to use, or raise
    required: bool = False


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _ints(allow_none: bool, single_as_tuple: bool):
    def check(op: str, key: str, v):
        if v is None and allow_none:
            return None
        if _is_int(v):
            return (int(v),) if single_as_tuple else int(v)
        if isinstance(v, (tuple, list)) and all(_is_int(a) for a in v):
            return tuple(int(a) for a in v)
        what = "an integer or a tuple of integers" + (" or None" if allow_none else "")
        raise ArgumentError(f"{op}: {key} must be {what}, not {v!r}", argument=key)

    return check


def _bool(op: str, key: str, v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    raise ArgumentError(f"{op}: {key} must be True or False, not {v!r}", argument=key)


AXIS = Param(None, _ints(allow_none=True, single_as_tuple=False))
LAST_AXIS = Param(-1, _ints(allow_none=True, single_as_tuple=False))
KEEPDIMS = Param(False, _bool)
AXES = Param(None, _ints(allow_none=True, single_as_tuple=True))
SHAPE = Param((), _ints(allow_none=False, single_as_tuple=True), required=True)


# ---------------------------------------------------------------------------------------------
# The entry
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Op:
    name: str
    title: str
    arity: int
    forward: Callable
    shape: Callable
    formulas: tuple[str, ...]
    domain: tuple[str, ...]
    description: str
    local: tuple[Callable | None, ...] | None = None
    vjp: tuple[Callable | None, ...] | None = None
    params: dict[str, Param] = field(default_factory=dict)
    symbol: str | None = None
    precedence: int | None = None
    work: Callable | None = None
    convention: str | None = None
    kink: Callable | None = None
    examples: tuple = ()  # operand shapes the numerical tests use, beyond the defaults of its kind
    # forward mode, non-elementwise ops: one rule per input, (t, ans, x, y, **attrs) -> that
    # input's share of the output's tangent (ans's shape); elementwise ops use local * t
    jvp: tuple[Callable | None, ...] | None = None
    torch: str | None = None  # PyTorch's spelling (see the docstring); None: torch.<name>(...)

    @property
    def kind(self) -> str:
        return "elementwise" if self.local is not None else "vjp"

    def rules(self) -> tuple:
        return self.local if self.local is not None else self.vjp

    @property
    def signature(self) -> str:
        """How it is called: `sum(x, axis=None, keepdims=False)`, `reshape(x, shape)`."""
        params = [k if p.required else f"{k}={p.default!r}" for k, p in self.params.items()]
        return f"{self.name}({', '.join([*OPERANDS[: self.arity], *params])})"

    @property
    def torch_template(self) -> str:
        """PyTorch's spelling of the op: `torch` if given, else `torch.<name>({x}, {y})`."""
        if self.torch is not None:
            return self.torch
        return f"torch.{self.name}({', '.join('{' + o + '}' for o in OPERANDS[: self.arity])})"

    def cost(self, out: tuple, *inputs: tuple, **attrs) -> int:
        """Multiply-adds of one evaluation on operands of these shapes: the service's work limit."""
        if self.work is not None:
            return self.work(out, *inputs, **attrs)
        if self.local is not None:  # elementwise: one per output element
            return math.prod(out)
        return max(math.prod(out), *map(math.prod, inputs))


OPS: dict[str, Op] = {}


def register(op: Op) -> Op:
    """Add an op to the registry (a test may add a toy op and remove it with OPS.pop)."""
    if op.name in OPS:
        raise ValueError(f"an op named {op.name!r} is registered already")
    OPS[op.name] = op
    return op


# One helper per kind of op keeps each entry short.
def unary(name, forward, local, formula, description, *, title=None, domain="real", **kw) -> Op:
    return register(
        Op(name, title or name, 1, forward, shapes.same, (formula,), (domain,), description,
           local=(local,), **kw)
    )  # fmt: skip


def binary(name, forward, locals_, formulas, description, *, title=None, domain=("real", "real"),
           **kw) -> Op:  # fmt: skip
    return register(
        Op(name, title or name, 2, forward, partial(shapes.broadcast, op=name), formulas, domain,
           description, local=locals_, **kw)
    )  # fmt: skip


def structural(name, arity, forward, vjps, formulas, description, shape, *, params=None,
               domain=None, **kw) -> Op:  # fmt: skip
    return register(
        Op(name, kw.pop("title", name), arity, forward, partial(shape, op=name), formulas,
           domain or ("real",) * arity, description, vjp=vjps, params=params or {}, **kw)
    )  # fmt: skip


def _near(a, b, eps) -> bool:
    return bool(np.any(np.abs(np.asarray(a) - b) <= 2 * eps))


# ---------------------------------------------------------------------------------------------
# Arithmetic
# ---------------------------------------------------------------------------------------------
binary(
    "add",
    operator.add,
    (lambda ans, x, y: 1.0, lambda ans, x, y: 1.0),
    ("1", "1"),
    "x + y, elementwise with broadcasting",
    symbol="+",
    precedence=PRECEDENCE["+"],
    torch="{x} + {y}",
)
binary(
    "sub",
    operator.sub,
    (lambda ans, x, y: 1.0, lambda ans, x, y: -1.0),
    ("1", "-1"),
    "x - y, elementwise with broadcasting",
    title="subtract",
    symbol="-",
    precedence=PRECEDENCE["+"],
    torch="{x} - {y}",
)
binary(
    "mul",
    operator.mul,
    (lambda ans, x, y: y, lambda ans, x, y: x),
    ("y", "x"),
    "x * y, elementwise with broadcasting",
    title="multiply",
    symbol="*",
    precedence=PRECEDENCE["*"],
    torch="{x} * {y}",
)
binary(
    "div",
    operator.truediv,
    (lambda ans, x, y: 1.0 / y, lambda ans, x, y: -ans / y),
    (r"\frac{1}{y}", r"-\frac{x}{y^{2}}"),
    "x / y, elementwise with broadcasting",
    title="divide",
    domain=("real", "nonzero"),
    symbol="/",
    precedence=PRECEDENCE["*"],
    torch="{x} / {y}",
)
binary(
    "pow",
    np.power,
    (lambda ans, x, y: y * np.power(x, y - 1.0), lambda ans, x, y: ans * np.log(x)),
    (r"y\,x^{y-1}", r"x^{y}\ln x"),
    "x ** y; with a constant exponent only the base gets a gradient",
    title="power",
    domain=("positive", "real"),
    symbol="**",
    precedence=PRECEDENCE["**"],
    torch="{x} ** {y}",
)
unary(
    "neg",
    operator.neg,
    lambda ans, x: -1.0,
    "-1",
    "-x",
    title="negate",
    symbol="-x",
    precedence=PRECEDENCE["-x"],
    torch="-{x}",
)
unary(
    "reciprocal",
    np.reciprocal,
    lambda ans, x: -ans * ans,
    r"-\frac{1}{x^{2}}",
    "1 / x; the expression 1/x is recorded as this op",
    domain="nonzero",
    symbol="1/x",
    precedence=PRECEDENCE["*"],
)

# ---------------------------------------------------------------------------------------------
# Elementwise functions
# ---------------------------------------------------------------------------------------------
unary("exp", np.exp, lambda ans, x: ans, "e^{x}", "e to the power x")
unary("log", np.log, lambda ans, x: 1.0 / x, r"\frac{1}{x}", "natural logarithm", domain="positive")
unary(
    "sqrt",
    np.sqrt,
    lambda ans, x: 0.5 / ans,
    r"\frac{1}{2\sqrt{x}}",
    "square root",
    domain="positive",
)
unary(
    "abs",
    np.abs,
    lambda ans, x: np.sign(x),
    r"\operatorname{sign}(x)",
    "absolute value",
    convention="abs'(0) = 0 (the subgradient in the middle of [-1, 1])",
    kink=lambda eps, x: _near(x, 0.0, eps),
)
unary("sin", np.sin, lambda ans, x: np.cos(x), r"\cos x", "sine")
unary("cos", np.cos, lambda ans, x: -np.sin(x), r"-\sin x", "cosine")
unary("tanh", np.tanh, lambda ans, x: 1.0 - ans * ans, r"1 - \tanh^{2} x", "hyperbolic tangent")
unary(
    "sigmoid",
    lambda x: 0.5 * (np.tanh(0.5 * x) + 1.0),
    lambda ans, x: ans * (1.0 - ans),
    r"\sigma(x)\,(1 - \sigma(x))",
    "logistic sigmoid 1 / (1 + e^{-x}) as one node (the expression language can expand it)",
)
unary(
    "relu",
    lambda x: np.maximum(x, 0.0),
    lambda ans, x: np.heaviside(x, 0.0),
    r"\mathbb{1}[x > 0]",
    "max(x, 0)",
    convention="relu'(0) = 0, as PyTorch and most frameworks",
    kink=lambda eps, x: _near(x, 0.0, eps),
)
binary(
    "maximum",
    np.maximum,
    (lambda ans, x, y: np.heaviside(x - y, 0.5), lambda ans, x, y: np.heaviside(y - x, 0.5)),
    (
        r"\mathbb{1}[x > y] + \tfrac{1}{2}\mathbb{1}[x = y]",
        r"\mathbb{1}[y > x] + \tfrac{1}{2}\mathbb{1}[x = y]",
    ),
    "elementwise maximum of x and y",
    convention="at a tie x = y each input gets half of the upstream, as PyTorch",
    kink=lambda eps, x, y: _near(np.asarray(x) - y, 0.0, eps),
)
binary(
    "minimum",
    np.minimum,
    (lambda ans, x, y: np.heaviside(y - x, 0.5), lambda ans, x, y: np.heaviside(x - y, 0.5)),
    (
        r"\mathbb{1}[x < y] + \tfrac{1}{2}\mathbb{1}[x = y]",
        r"\mathbb{1}[y < x] + \tfrac{1}{2}\mathbb{1}[x = y]",
    ),
    "elementwise minimum of x and y",
    convention="at a tie x = y each input gets half of the upstream, as PyTorch",
    kink=lambda eps, x, y: _near(np.asarray(x) - y, 0.0, eps),
)


# ---------------------------------------------------------------------------------------------
# Linear algebra
# ---------------------------------------------------------------------------------------------
def _matmul_vjp(which):
    """Promote 1-d operands to matrices as numpy does, apply g y^T or x^T g, then drop the axis."""

    def rule(g, ans, x, y):
        if x.ndim == 2 and y.ndim == 2:  # the common case, kept cheap
            return g @ y.T if which == 0 else x.T @ g
        x2 = x[None, :] if x.ndim == 1 else x
        y2 = y[:, None] if y.ndim == 1 else y
        g2 = g
        if x.ndim == 1:
            g2 = np.expand_dims(g2, -2 if y.ndim > 1 else -1)
        if y.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        if which == 0:
            d = g2 @ np.swapaxes(y2, -1, -2)
            return d[..., 0, :] if x.ndim == 1 else d
        d = np.swapaxes(x2, -1, -2) @ g2
        return d[..., :, 0] if y.ndim == 1 else d

    return rule


structural(
    "matmul",
    2,
    np.matmul,
    (_matmul_vjp(0), _matmul_vjp(1)),
    (r"g\,y^{\top}", r"x^{\top} g"),
    "matrix product x @ y: 1-d, 2-d, and batched over leading axes as numpy",
    shapes.matmul,
    title="matmul",
    symbol="@",
    jvp=(lambda t, ans, x, y: t @ y, lambda t, ans, x, y: x @ t),
    precedence=PRECEDENCE["*"],
    # [m, k] @ [k, n] costs m*n*k multiply-adds: the output's size times the inner dimension
    work=lambda out, x, y: math.prod(out) * x[-1],
    examples=(
        ((3,), (3,)),
        ((2, 3), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3, 4)),
        ((5, 2, 3), (3, 4)),
        ((2, 1, 2, 3), (4, 3, 2)),
    ),
    torch="{x} @ {y}",
)


# ---------------------------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------------------------
def _expand(g, ndim, axis, keepdims):
    """Give g back the reduced axes (as size 1) so it broadcasts against the input."""
    if keepdims or np.ndim(g) == ndim:
        return g
    return np.expand_dims(g, shapes.normalize_axes("", ndim, axis))


def _sum_vjp(g, ans, x, axis=None, keepdims=False):
    return np.broadcast_to(_expand(g, x.ndim, axis, keepdims), x.shape)


def _mean_vjp(g, ans, x, axis=None, keepdims=False):
    n = x.size // max(np.size(ans), 1) if x.size else 1
    return np.broadcast_to(_expand(g, x.ndim, axis, keepdims) / n, x.shape)


def _max_vjp(g, ans, x, axis=None, keepdims=False):
    hit = x == _expand(ans, x.ndim, axis, keepdims)
    share = hit / np.sum(hit, axis=axis, keepdims=True)
    return share * _expand(g, x.ndim, axis, keepdims)


def _max_jvp(t, ans, x, axis=None, keepdims=False):
    hit = x == _expand(ans, x.ndim, axis, keepdims)
    share = hit / np.sum(hit, axis=axis, keepdims=True)
    return np.sum(share * t, axis=axis, keepdims=keepdims)


def _linear(forward):
    """The forward-mode rule of a linear op: the op itself applied to the tangent."""
    return lambda t, ans, x, **attrs: forward(t, **attrs)


def _max_kink(eps, x, axis=None, keepdims=False):
    x = np.asarray(x)
    top = np.max(x, axis=axis, keepdims=True)
    return bool(np.any(np.sum(x >= top - 2 * eps, axis=axis) > 1))


_REDUCE = {"axis": AXIS, "keepdims": KEEPDIMS}
# max, logsumexp and the softmaxes have no value over an empty axis (numpy refuses them)
_NONEMPTY_REDUCE = partial(shapes.reduce, nonempty=True)
_NONEMPTY_ALONG_AXIS = partial(shapes.along_axis, nonempty=True)
structural(
    "sum",
    1,
    lambda x, axis=None, keepdims=False: np.sum(x, axis=axis, keepdims=keepdims),
    (_sum_vjp,),
    ("1",),
    "sum over all axes or the given axis (keepdims keeps them as 1)",
    shapes.reduce,
    params=_REDUCE,
    jvp=(_linear(lambda t, axis=None, keepdims=False: np.sum(t, axis=axis, keepdims=keepdims)),),
    examples=(
        ((3, 4), {"axis": 0}),
        ((3, 4), {"axis": 1, "keepdims": True}),
        ((2, 3, 4), {"axis": (0, 2)}),
    ),
    torch="torch.sum({x}, dim={axis}, keepdim={keepdims})",
)
structural(
    "mean",
    1,
    # np.mean refuses axis=0 on a scalar where np.sum and np.max take it: do as they do
    lambda x, axis=None, keepdims=False: np.mean(
        x, axis=None if x.ndim == 0 and axis in (0, -1) else axis, keepdims=keepdims
    ),
    (_mean_vjp,),
    (r"\frac{1}{n}",),
    "mean over all axes or the given axis",
    shapes.reduce,
    params=_REDUCE,
    jvp=(lambda t, ans, x, **attrs: OPS["mean"].forward(t, **attrs),),
    examples=(((3, 4), {"axis": 0}), ((3, 4), {"axis": -1, "keepdims": True})),
    torch="torch.mean({x}, dim={axis}, keepdim={keepdims})",
)
structural(
    "max",
    1,
    lambda x, axis=None, keepdims=False: np.max(x, axis=axis, keepdims=keepdims),
    (_max_vjp,),
    (r"\frac{\mathbb{1}[x_i = \max x]}{\#\text{ties}}",),
    "maximum over all axes or the given axis",
    _NONEMPTY_REDUCE,
    params=_REDUCE,
    jvp=(_max_jvp,),
    convention="ties share the upstream equally among the tied maxima",
    kink=_max_kink,
    examples=(((3, 4), {"axis": 0}), ((3, 4), {"axis": 1, "keepdims": True})),
    torch="torch.amax({x}, dim={axis}, keepdim={keepdims})",
)


# ---------------------------------------------------------------------------------------------
# Shape changes
# ---------------------------------------------------------------------------------------------
def _transpose_vjp(g, ans, x, axes=None):
    # the inverse permutation; axes may be negative, as numpy allows: normalise before argsort
    return np.transpose(g, None if axes is None else np.argsort([a % x.ndim for a in axes]))


structural(
    "transpose",
    1,
    lambda x, axes=None: np.transpose(x, axes),
    (_transpose_vjp,),
    (r"g^{\top}",),
    "reverse the axes, or permute them as given by axes",
    shapes.transpose,
    params={"axes": AXES},
    jvp=(_linear(lambda t, axes=None: np.transpose(t, axes)),),
    examples=(((3, 4), {}), ((2, 3, 4), {"axes": (1, 2, 0)})),
    torch="torch.permute({x}, {axes})",
)
structural(
    "reshape",
    1,
    lambda x, shape: np.reshape(x, shape),
    (lambda g, ans, x, shape: np.reshape(g, x.shape),),
    (r"\operatorname{reshape}(g)",),
    "the same elements in a new shape (one -1 is inferred)",
    shapes.reshape,
    params={"shape": SHAPE},
    jvp=(_linear(lambda t, shape: np.reshape(t, shape)),),
    examples=(((3, 4), {"shape": (4, 3)}), ((2, 6), {"shape": (-1,)})),
    torch="torch.reshape({x}, {shape})",
)


# ---------------------------------------------------------------------------------------------
# Softmax family
# ---------------------------------------------------------------------------------------------
def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    return x - _logsumexp(x, axis=axis, keepdims=True)


structural(
    "softmax",
    1,
    _softmax,
    (lambda g, ans, x, axis=-1: ans * (g - np.sum(g * ans, axis=axis, keepdims=True)),),
    (r"\frac{\partial s_i}{\partial x_j} = s_i\,(\delta_{ij} - s_j)",),
    "e^{x_i} / sum_j e^{x_j} along axis (default the last)",
    _NONEMPTY_ALONG_AXIS,
    params={"axis": LAST_AXIS},
    jvp=(lambda t, ans, x, axis=-1: ans * (t - np.sum(ans * t, axis=axis, keepdims=True)),),
    examples=(((4,), {}), ((3, 4), {"axis": 0})),
    torch="torch.softmax({x}, dim={axis})",
)
structural(
    "log_softmax",
    1,
    _log_softmax,
    (lambda g, ans, x, axis=-1: g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True),),
    (r"\frac{\partial \ell_i}{\partial x_j} = \delta_{ij} - \operatorname{softmax}(x)_j",),
    "x - logsumexp(x) along axis (default the last)",
    _NONEMPTY_ALONG_AXIS,
    params={"axis": LAST_AXIS},
    jvp=(lambda t, ans, x, axis=-1: t - np.sum(np.exp(ans) * t, axis=axis, keepdims=True),),
    examples=(((4,), {}), ((3, 4), {"axis": 0})),
    torch="torch.log_softmax({x}, dim={axis})",
)
structural(
    "logsumexp",
    1,
    _logsumexp,
    (
        lambda g, ans, x, axis=None, keepdims=False: (
            _expand(g, x.ndim, axis, keepdims) * np.exp(x - _expand(ans, x.ndim, axis, keepdims))
        ),
    ),
    (r"\operatorname{softmax}(x)_i",),
    "log(sum(exp(x))) over all axes or the given axis",
    _NONEMPTY_REDUCE,
    params=_REDUCE,
    jvp=(
        lambda t, ans, x, axis=None, keepdims=False: np.sum(
            t * np.exp(x - _expand(ans, x.ndim, axis, keepdims)), axis=axis, keepdims=keepdims
        ),
    ),
    examples=(((3, 4), {"axis": 1}), ((3, 4), {"axis": 0, "keepdims": True})),
    torch="torch.logsumexp({x}, dim={axis}, keepdim={keepdims})",
)


# ---------------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------------
def _mse_vjp(sign):
    def rule(g, ans, pred, target):
        diff = pred - target
        return (sign * 2.0 / diff.size) * g * diff

    return rule


def _mse_jvp(sign):
    def rule(t, ans, pred, target):
        diff = pred - target
        return (sign * 2.0 / diff.size) * np.sum(diff * t)

    return rule


def _class_indices(logits, targets):
    t = np.asarray(targets)
    idx = t.astype(np.intp)
    if not np.all(idx == t) or np.any(idx < 0) or np.any(idx >= logits.shape[-1]):
        raise DomainError(
            f"cross_entropy: targets must be integer class indices in [0, {logits.shape[-1]})"
        )
    return idx


def _cross_entropy(logits, targets):
    # numpy's fancy indexing would raise IndexError (or broadcast) on mismatched N: say it clearly
    shapes.cross_entropy(np.shape(logits), np.shape(targets))
    idx = _class_indices(logits, targets)
    return -np.mean(_log_softmax(logits, axis=1)[np.arange(len(idx)), idx])


def _cross_entropy_vjp(g, ans, logits, targets):
    idx = _class_indices(logits, targets)
    d = _softmax(logits, axis=1)
    d[np.arange(len(idx)), idx] -= 1.0
    return d * (g / len(idx))


def _cross_entropy_jvp(t, ans, logits, targets):
    return np.sum(_cross_entropy_vjp(1.0, ans, logits, targets) * t)


def _mse(pred, target):
    diff = pred - target
    return (diff * diff).sum() / diff.size  # np.mean's wrapper costs more than this on small data


structural(
    "mse",
    2,
    _mse,
    (_mse_vjp(1.0), _mse_vjp(-1.0)),
    (r"\frac{2}{n}(x - y)", r"-\frac{2}{n}(x - y)"),
    "mean squared error: mean((x - y)^2) over all elements",
    shapes.mse,
    jvp=(_mse_jvp(1.0), _mse_jvp(-1.0)),
    examples=(((4,), (4,)), ((3, 2), (3, 2)), ((3, 2), (2,))),
    torch="torch.mean(({x} - {y}) ** 2)",
)
structural(
    "cross_entropy",
    2,
    _cross_entropy,
    (_cross_entropy_vjp, None),
    (
        r"\frac{1}{N}\left(\operatorname{softmax}(x)_{ic} - \mathbb{1}[c = t_i]\right)",
        r"\text{none: class indices are not differentiable}",
    ),
    "mean over the batch of -log_softmax(x)[i, t_i], logits x [N, C], targets t [N]",
    shapes.cross_entropy,
    domain=("real", "class_index"),
    jvp=(_cross_entropy_jvp, None),
    examples=(((3, 4), (3,)),),
    torch="torch.nn.functional.cross_entropy({x}, {y}.long())",
)
