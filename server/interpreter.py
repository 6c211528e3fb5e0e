"""Run a compiled program against the engine: one node per instruction, every size checked first.

Before each op, the output shape comes from `engine.infer_shape` (or a shortcut for equal
shapes), and the element and work limits are checked, so numpy never allocates what a limit
forbids. Engine errors become 422 errors carrying the span of the op that raised them.
"""

from __future__ import annotations

import math
import operator
import time

import numpy as np

import engine
from engine.trace import NONFINITE_FROM_JSON

from .config import Limits
from .errors import (
    APIError,
    ArgumentErr,
    BadInput,
    DomainErr,
    LimitExceeded,
    MissingInput,
    ShapeErr,
    Span,
)
from .language import (
    ASSIGN,
    BINARY,
    CALL,
    CONST,
    CONSTANTS,
    CONSTNAME,
    DISCARD,
    INPUT,
    MAX_LIST_DIMS,
    NEG,
    RECIP,
    VAR,
    Program,
    _normal,
    where,
)

_OPERATORS = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": operator.pow,
    "matmul": operator.matmul,
}
#: How many warnings of one kind are listed before the rest are summarised.
MAX_WARNINGS = 5
ELEMENTWISE_UNARY = {
    name
    for name, op in engine.OPS.items()
    if op.arity == 1 and op.kind == "elementwise" and not op.params
}
#: Instructions between two looks at the clock.
CLOCK_EVERY = 64


def engine_error(exc: Exception, span: Span | None) -> APIError:
    """The 422 error for an engine exception raised by the op at `span`."""
    text = f"{exc} ({where(span)})"
    if isinstance(exc, engine.ShapeError):
        return ShapeErr(text, span)
    if isinstance(exc, engine.DomainError):
        return DomainErr(text, span)
    return ArgumentErr(text, span)


# ---------------------------------------------------------------------------------------------
# Values from JSON: numbers, rectangular nested lists, and the strings "NaN", "Infinity", ...
# ---------------------------------------------------------------------------------------------
def to_array(value, what: str, limits: Limits, span: Span | None = None) -> np.ndarray:
    """A float64 array of a JSON value, refused with BadInput unless it is a number or a
    rectangular nested list of numbers; the size is checked before anything is allocated."""
    t = type(value)
    if t is float or t is int:  # the common case: a scalar
        try:
            return np.array(value, dtype=np.float64)
        except OverflowError:
            return np.array(math.copysign(math.inf, value))
    shape = []
    level = [value]
    while level and all(type(v) is list for v in level):
        sizes = {len(v) for v in level}
        if len(sizes) != 1:
            raise BadInput(f"{what} is not rectangular: rows of lengths {sorted(sizes)[:5]}", span)
        (n,) = sizes
        if n == 0:
            raise BadInput(f"{what} contains an empty list; a tensor needs elements", span)
        shape.append(n)
        if len(shape) > MAX_LIST_DIMS:
            raise BadInput(f"{what} has more than {MAX_LIST_DIMS} dimensions", span)
        size = math.prod(shape)
        if size > limits.max_tensor_elements:
            raise LimitExceeded(
                "max_tensor_elements",
                size,
                limits.max_tensor_elements,
                f"{what} has {size:,} elements, over the limit of {limits.max_tensor_elements:,}",
                span,
            )
        level = [x for v in level for x in v]
    numbers = []
    for x in level:
        t = type(x)
        if t is float or t is int:
            numbers.append(x)
        elif t is str and x in NONFINITE_FROM_JSON:
            numbers.append(NONFINITE_FROM_JSON[x])
        elif t is list:
            raise BadInput(f"{what} is not rectangular: a list sits beside numbers", span)
        else:
            shown = {
                bool: "true/false",
                str: "a string",
                dict: "an object",
                type(None): "null",
            }.get(t, t.__name__)
            extra = (
                ' (non-finite numbers are written "NaN", "Infinity", "-Infinity")'
                if t is str
                else ""
            )
            raise BadInput(
                f"{what} must be a number or a nested list of numbers, not {shown}{extra}", span
            )
    try:
        arr = np.array(numbers, dtype=np.float64)
    except OverflowError:  # an integer beyond float64 (JSON allows any number of digits)
        arr = np.array([float(min(max(x, -1e309), 1e309)) for x in numbers], dtype=np.float64)
    return arr.reshape(shape) if shape else arr.reshape(())


def read_inputs(raw: dict, program: Program, limits: Limits, warnings: list[str]) -> dict:
    """The arrays of the program's inputs from the request's `inputs` object."""
    given = {}
    for key, value in raw.items():
        given[_normal(key)] = value
    names = [name for name, _ in program.inputs]
    missing = [(name, span) for name, span in program.inputs if name not in given]
    if missing:
        name, span = missing[0]
        listed = ", ".join(f"'{n}'" for n, _ in missing)
        raise MissingInput(
            f"no value for input{'s' if len(missing) > 1 else ''} {listed} (first used at "
            f'{where(span)}): give {"them" if len(missing) > 1 else "it"} in "inputs"',
            span,
        )
    spans = dict(program.inputs)
    unused = [k for k in given if k not in spans]
    for key in unused[:MAX_WARNINGS]:
        warnings.append(f"input '{key}' is not used by the expression")
    if len(unused) > MAX_WARNINGS:
        warnings.append(f"... and {len(unused) - MAX_WARNINGS} more unused inputs")
    return {name: to_array(given[name], f"input '{name}'", limits, spans[name]) for name in names}


# ---------------------------------------------------------------------------------------------
# The build
# ---------------------------------------------------------------------------------------------
class Offload(Exception):  # noqa: N818 - a signal, not an error
    """The work outgrew what may run on the event loop: run the request in a thread instead."""


class Budget:
    """Running totals against the limits: nodes, elements, work and the clock.

    `inline_cap`, when set, bounds elements and work of a request that runs on the event loop;
    past it, `Offload` is raised and the request is started again in a worker thread.
    """

    def __init__(self, limits: Limits, deadline: float, inline_cap: int | None = None):
        self.limits = limits
        self.deadline = deadline
        self.inline_cap = inline_cap
        self.nodes = 0
        self.elements = 0
        self.work = 0

    def add(self, shape: tuple, span: Span | None, work: int | None = None) -> None:
        limits = self.limits
        size = math.prod(shape)
        if size > limits.max_tensor_elements:
            raise LimitExceeded(
                "max_tensor_elements",
                size,
                limits.max_tensor_elements,
                f"the result at {where(span)} would have shape {list(shape)}: "
                f"{size:,} elements, over the limit of "
                f"{limits.max_tensor_elements:,}",
                span,
            )
        self.nodes += 1
        self.elements += size
        self.work += size if work is None else work
        if self.inline_cap is not None and max(self.work, self.elements) > self.inline_cap:
            raise Offload
        if self.nodes > limits.max_nodes:
            raise LimitExceeded(
                "max_nodes",
                self.nodes,
                limits.max_nodes,
                f"the expression builds more than {limits.max_nodes:,} nodes",
                span,
            )
        if self.elements > limits.max_total_elements:
            raise LimitExceeded(
                "max_total_elements",
                self.elements,
                limits.max_total_elements,
                f"the graph would hold {self.elements:,} elements in all (at "
                f"{where(span)}), over the limit of "
                f"{limits.max_total_elements:,}",
                span,
            )
        if self.work > limits.max_work:
            raise LimitExceeded(
                "max_work",
                self.work,
                limits.max_work,
                f"the expression needs {self.work:,} multiply-adds (at "
                f"{where(span)}), over the limit of {limits.max_work:,}",
                span,
            )

    def clock(self, span: Span | None = None) -> None:
        now = time.monotonic()
        if now > self.deadline:
            budget = self.limits.time_budget
            raise LimitExceeded(
                "time_budget",
                round(budget + now - self.deadline, 3),
                budget,
                f"the request took more than its time budget of {budget:g} s",
                span,
            )


def _shape2(name: str, sx: tuple, sy: tuple) -> tuple:
    if name != "matmul":
        if sx == sy or not sy:
            return sx
        if not sx:
            return sy
    return engine.infer_shape(name, sx, sy)


def build(
    program: Program,
    values: dict,
    budget: Budget,
    sigmoid: str = "node",
    warnings: list[str] | None = None,
    leaves: dict | None = None,
) -> engine.Tensor:
    """The output tensor of the program, every node carrying its source span.

    `leaves` receives the named leaves (inputs and constants) by name; `warnings` the ops that
    turn finite inputs into NaN or infinity.
    """
    warnings = [] if warnings is None else warnings
    leaves = {} if leaves is None else leaves
    env: dict[str, engine.Tensor] = {}
    stack: list[engine.Tensor] = []
    nonfinite = 0
    for step, (kind, arg, arg2, span) in enumerate(program.code):
        if step % CLOCK_EVERY == 0:
            budget.clock(span)
        try:
            if kind == BINARY:
                y = stack.pop()
                x = stack.pop()
                shape = _shape2(arg, x.shape, y.shape)
                work = None
                if arg == "matmul":
                    work = math.prod(shape) * x.shape[-1]
                budget.add(shape, span, work)
                t = _OPERATORS[arg](x, y)
                inputs = (x, y)
            elif kind == INPUT or kind == CONSTNAME:
                t = leaves.get(arg)
                if t is None:
                    if kind == INPUT:
                        t = engine.Tensor(values[arg], name=arg)
                    else:
                        t = engine.constant(CONSTANTS[arg], name=arg)
                    budget.add(t.shape, span)
                    t.span = span
                    leaves[arg] = t
                stack.append(t)
                continue
            elif kind == CONST:
                if type(arg) is float:
                    t = engine.constant(arg)
                    budget.add((), span)
                else:
                    numbers, shape = arg
                    budget.add(shape, span)
                    t = engine.constant(np.array(numbers, dtype=np.float64).reshape(shape))
                t.span = span
                stack.append(t)
                continue
            elif kind == VAR:
                stack.append(env[arg])
                continue
            elif kind == ASSIGN:
                t = stack[-1]
                env[arg] = t
                if t.name is None:  # `h = w1*x` names that node h; `h = x` is only an alias
                    t.name = arg
                    t.span = span
                continue
            elif kind == DISCARD:
                stack.pop()
                continue
            elif kind == NEG or kind == RECIP:
                x = stack.pop()
                budget.add(x.shape, span)
                t = engine.apply("neg" if kind == NEG else "reciprocal", x)
                inputs = (x,)
            elif kind == CALL:
                n, params, kwargs = arg2
                inputs = tuple(stack[-n:])
                del stack[-n:]
                t = _call(arg, inputs, params, kwargs, span, budget, sigmoid)
            else:  # pragma: no cover - the compiler emits nothing else
                raise AssertionError(kind)
        except engine.EngineError as exc:
            raise engine_error(exc, span) from None
        except (ValueError, TypeError, IndexError, OverflowError, ZeroDivisionError) as exc:
            raise ArgumentErr(f"{exc} ({where(span)})", span) from None
        except MemoryError:
            raise LimitExceeded(
                "memory", None, None, f"out of memory at {where(span)}", span
            ) from None
        if t.span is None:
            t.span = span
        stack.append(t)
        if (
            nonfinite < MAX_WARNINGS
            and not finite(t.value)
            and all(finite(i.value) for i in inputs)
        ):
            nonfinite += 1
            warnings.append(
                f"{engine.OPS[t.op].title} at {where(span)} gives "
                f"{_nonfinite_word(t.value)} from finite inputs"
            )
    return stack.pop()


def _call(
    name: str, operands: tuple, params: tuple, kwargs: dict, span, budget: Budget, sigmoid: str
) -> engine.Tensor:
    if name == "sigmoid" and sigmoid == "expanded":
        return _sigmoid_expanded(operands[0], span, budget)
    if not params and not kwargs and len(operands) == 1 and name in ELEMENTWISE_UNARY:
        budget.add(operands[0].shape, span)  # exp, tanh, ...: the shape of the operand
        return engine.apply(name, operands[0])
    op, tensors, attrs = engine.bind(name, operands + params, kwargs)
    shape = engine.infer_shape(name, *[t.shape for t in tensors], **attrs)
    work = None
    if name == "matmul":
        work = math.prod(shape) * tensors[0].shape[-1]
    elif op.kind != "elementwise":
        work = max(math.prod(shape), *[math.prod(t.shape) for t in tensors])
    budget.add(shape, span, work)
    return engine.apply(name, *tensors, **attrs)


def _sigmoid_expanded(x: engine.Tensor, span, budget: Budget) -> engine.Tensor:
    """1/(1+exp(-x)) from primitives, as the post draws it: negate, exp, add, reciprocal."""
    for _ in range(4):
        budget.add(x.shape, span)
    budget.add((), span)
    one = engine.constant(1.0)
    nodes = [one]
    t = engine.apply("neg", x)
    nodes.append(t)
    t = engine.apply("exp", t)
    nodes.append(t)
    t = engine.apply("add", one, t)
    nodes.append(t)
    t = engine.apply("reciprocal", t)
    for node in nodes:
        node.span = span
    return t


def finite(v) -> bool:
    """Whether every element is finite (scalars without numpy's per-call overhead)."""
    if v.ndim == 0:
        return math.isfinite(v)
    return bool(np.isfinite(v).all())


def _nonfinite_word(v) -> str:
    a = np.asarray(v)
    if np.isnan(a).any():
        return "NaN"
    return "-Infinity" if (a == -np.inf).any() else "Infinity"
