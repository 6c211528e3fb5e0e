"""The interpreter: run a compiled program against the engine, every size checked first.

A stack machine with one handler per opcode (`HANDLERS`, the counterpart of the compiler's
dispatch dicts in server/language.py). Before each op, its output shape comes from the op's
shape rule and its work from the op's cost (both in the registry), and the limits are checked,
so numpy never allocates what a limit forbids. Engine errors become 422 errors carrying the span
of the op that raised them.
"""

from __future__ import annotations

import math
import time

import numpy as np

import engine
from engine.tensor import make
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
    CONSTANTS,
    EXPANDED_SIGMOID_NODES,
    MAX_LIST_DIMS,
    Call,
    Instruction,
    Opcode,
    Program,
    _normal,
    where,
)

#: How many warnings of one kind are listed before the rest are summarised.
MAX_WARNINGS = 5
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
    for key in unused:  # unused, but a bad value is still a mistake worth saying
        to_array(given[key], f"input '{key}'", limits)
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
        size = math.prod(shape)
        self.nodes += 1
        self.elements += size
        self.work += size if work is None else work
        limits = self.limits
        if (
            size > limits.max_tensor_elements
            or self.nodes > limits.max_nodes
            or self.elements > limits.max_total_elements
            or self.work > limits.max_work
            or (self.inline_cap is not None and max(self.work, self.elements) > self.inline_cap)
        ):
            self.refuse(shape, size, span)

    def refuse(self, shape: tuple, size: int, span: Span | None) -> None:
        """The first limit `add` passed, in this order: the tensor's size, the inline cap
        (Offload), then nodes, elements and work in all."""
        limits = self.limits
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


class Machine:
    """One run of a program: a stack machine with a handler per opcode (HANDLERS).

    `leaves` collects the named leaves (inputs and constants) by name; `warnings` the ops that
    turn finite inputs into NaN or infinity.
    """

    def __init__(self, values: dict, budget: Budget, warnings: list[str], leaves: dict):
        self.values = values
        self.budget = budget
        self.warnings = warnings
        self.leaves = leaves
        self.env: dict[str, engine.Tensor] = {}
        self.stack: list[engine.Tensor] = []
        self.nonfinite = 0

    def run(self, code: list[Instruction]) -> engine.Tensor:
        span = None
        try:
            for step, (opcode, arg, span) in enumerate(code):
                if step % CLOCK_EVERY == 0:
                    self.budget.clock(span)
                HANDLERS[opcode](self, arg, span)
        except engine.EngineError as exc:
            raise engine_error(exc, span) from None
        except (ValueError, TypeError, IndexError, OverflowError, ZeroDivisionError) as exc:
            raise ArgumentErr(f"{exc} ({where(span)})", span) from None
        except MemoryError:
            raise LimitExceeded(
                "memory", None, None, f"out of memory at {where(span)}", span
            ) from None
        return self.stack.pop()

    # -- leaves ------------------------------------------------------------------------------
    def push_input(self, name: str, span) -> None:
        self.stack.append(
            self.leaf(name, span, lambda: engine.Tensor(self.values[name], name=name))
        )

    def push_constant(self, name: str, span) -> None:
        self.stack.append(
            self.leaf(name, span, lambda: engine.constant(CONSTANTS[name], name=name))
        )

    def leaf(self, name: str, span, make) -> engine.Tensor:
        """One leaf per name, however often it is used."""
        t = self.leaves.get(name)
        if t is None:
            t = make()
            self.budget.add(t.shape, span)
            t.span = span
            self.leaves[name] = t
        return t

    def push_literal(self, value, span) -> None:
        if type(value) is float:
            self.budget.add((), span)
            t = engine.constant(value)
        else:
            numbers, shape = value
            self.budget.add(shape, span)
            t = engine.constant(np.array(numbers, dtype=np.float64).reshape(shape))
        t.span = span
        self.stack.append(t)

    # -- names -------------------------------------------------------------------------------
    def load(self, name: str, span) -> None:
        self.stack.append(self.env[name])

    def store(self, name: str, span) -> None:
        t = self.stack[-1]
        self.env[name] = t
        if t.name is None:  # `h = w1*x` names that node h; `h = x` is only an alias
            t.name = name
            t.span = span

    def discard(self, arg, span) -> None:
        self.stack.pop()

    # -- ops ---------------------------------------------------------------------------------
    def apply(self, call: Call, span) -> None:
        """The op, after its output shape and work passed the budget (nothing allocated yet)."""
        stack, n, attrs = self.stack, call.arity, call.attrs
        operands = tuple(stack[-n:])
        del stack[-n:]
        op = engine.OPS[call.op]
        shapes = [t.value.shape for t in operands]
        shape = op.shape(*shapes, **attrs)
        self.budget.add(shape, span, op.cost(shape, *shapes, **attrs))
        t = make(op, operands, attrs)
        t.span = span
        if self.nonfinite < MAX_WARNINGS and not finite(t.value):
            self.warn_nonfinite(t, operands, span)
        stack.append(t)

    def sigmoid_expanded(self, arg, span) -> None:
        x = self.stack.pop()
        for _ in range(EXPANDED_SIGMOID_NODES):
            self.budget.add(x.shape, span)
        t = engine.sigmoid_expanded(x)
        new = [t]  # the nodes it made: each gets the sigmoid's span
        while new:
            node = new.pop()
            if node.span is None and node is not x:
                node.span = span
                new.extend(node.inputs)
        if self.nonfinite < MAX_WARNINGS and not finite(t.value):
            self.warn_nonfinite(t, (x,), span)
        self.stack.append(t)

    def warn_nonfinite(self, t: engine.Tensor, operands: tuple, span) -> None:
        """Say where finite inputs first give NaN or infinity (not where it only travels on)."""
        if all(finite(i.value) for i in operands):
            self.nonfinite += 1
            self.warnings.append(
                f"{engine.OPS[t.op].title} at {where(span)} gives "
                f"{_nonfinite_word(t.value)} from finite inputs"
            )


HANDLERS = {
    Opcode.INPUT: Machine.push_input,
    Opcode.CONSTANT: Machine.push_constant,
    Opcode.LITERAL: Machine.push_literal,
    Opcode.LOAD: Machine.load,
    Opcode.STORE: Machine.store,
    Opcode.DISCARD: Machine.discard,
    Opcode.APPLY: Machine.apply,
    Opcode.SIGMOID_EXPANDED: Machine.sigmoid_expanded,
}


def build(
    program: Program,
    values: dict,
    budget: Budget,
    warnings: list[str] | None = None,
    leaves: dict | None = None,
) -> engine.Tensor:
    """The output tensor of the program, every node carrying its source span."""
    machine = Machine(
        values, budget, [] if warnings is None else warnings, {} if leaves is None else leaves
    )
    return machine.run(program.code)


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
