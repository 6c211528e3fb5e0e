"""The expression language: Python syntax, checked against an allowlist, compiled to instructions.

`compile_program(text)` parses with `ast.parse` and walks the tree with a dict of handlers, one
per allowed node type; what the dict does not list is refused with a message and the span of the
offending node. Nothing is ever evaluated: the walk emits a flat list of instructions (postfix,
left to right) that `server.interpreter` runs against the engine. Both the walk and the build use
explicit stacks, so deep expressions never meet Python's recursion limit.

>>> p = compile_program("h = w1*x\\ng = w2*x\\nf = g + h")
>>> [name for name, _ in p.inputs], p.assigned
(['w1', 'x', 'w2'], ['h', 'g', 'f'])
"""

from __future__ import annotations

import ast
import difflib
import math
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from enum import IntEnum, auto
from typing import Any, NamedTuple

import engine

from .config import Limits
from .errors import (
    ArgumentErr,
    LimitExceeded,
    NotAllowed,
    Span,
    SyntaxErr,
    UnknownFunction,
    UnknownName,
)

#: Named constants the language knows; each is one constant node, shared by all its uses.
CONSTANTS = {"pi": math.pi, "e": math.e}


def _operator_class(text: str) -> type:
    """The ast class Python gives an operator written as `text`: "x + y" -> ast.Add."""
    node = ast.parse(text, mode="eval").body
    return type(node.op)


#: Python's operators and the op each builds, from the registry's symbols (`+` -> add, `-x` ->
#: neg). The 1/x of the reciprocal is a division that engine.is_reciprocal recognises.
BINARY_OPS = {
    _operator_class(f"x {op.symbol} y"): name
    for name, op in engine.OPS.items()
    if op.arity == 2 and op.symbol
}
UNARY_OPS = {
    _operator_class(op.symbol): name
    for name, op in engine.OPS.items()
    if op.arity == 1 and op.symbol and not op.symbol.startswith("1/")
}
#: The operators, as error messages list them.
OPERATORS = [op.symbol for op in engine.OPS.values() if op.arity == 2 and op.symbol]
#: Nodes the post's expanded sigmoid adds in place of one sigmoid node.
EXPANDED_SIGMOID_NODES = engine.nodes_made(engine.sigmoid_expanded)
#: Python the language refuses, with the words the error message uses.
REFUSED = {
    ast.Attribute: "attribute access (a.b) is",
    ast.Subscript: "subscripts and indexing (a[i]) are",
    ast.Slice: "slices are",
    ast.Lambda: "lambda functions are",
    ast.ListComp: "comprehensions are",
    ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are",
    ast.GeneratorExp: "generator expressions are",
    ast.JoinedStr: "f-strings are",
    ast.FormattedValue: "f-strings are",
    ast.NamedExpr: "the walrus operator := is",
    ast.Compare: "comparisons are",
    ast.BoolOp: "and / or are",
    ast.IfExp: "conditional expressions (a if c else b) are",
    ast.Dict: "dictionaries are",
    ast.Set: "sets are",
    ast.Starred: "starred arguments (*a) are",
    ast.Await: "await is",
    ast.Yield: "yield is",
    ast.YieldFrom: "yield is",
}
#: Nesting of list literals and of input lists (numpy allows 64 dimensions; nobody needs 32).
MAX_LIST_DIMS = 32
#: Integers in shapes and axes beyond this are refused before they reach numpy.
MAX_PARAM_INT = 10**9
_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass
class Program:
    """A checked expression: instructions plus what the page needs to know about it."""

    source: str
    code: list[Instruction] = field(default_factory=list)  # postfix, left to right
    inputs: list[tuple[str, Span]] = field(default_factory=list)  # in order of first appearance
    assigned: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    constants: dict[str, Span] = field(default_factory=dict)
    nodes: int = 0  # an upper bound of the graph nodes the build makes
    warnings: list[str] = field(default_factory=list)


def where(span: Span | None) -> str:
    """Human text of a span: 'line 1, columns 4-9'."""
    if not span:
        return "somewhere in the expression"
    line, col, end_line, end_col = span
    if end_line != line:
        return f"lines {line}-{end_line}"
    if end_col - col <= 1:
        return f"line {line}, column {col + 1}"
    return f"line {line}, columns {col + 1}-{end_col}"


def suggest(name: str, known) -> list[str]:
    return difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)


# ---------------------------------------------------------------------------------------------
# Parsing: text -> ast, with every way the parser can fail turned into a clear error
# ---------------------------------------------------------------------------------------------
def parse_text(source: str, limits: Limits) -> ast.Module:
    if len(source) > limits.max_expression_chars:
        raise LimitExceeded(
            "max_expression_chars",
            len(source),
            limits.max_expression_chars,
            f"the expression has {len(source):,} characters, over the limit of "
            f"{limits.max_expression_chars:,}",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for "1 is 1" and invalid escapes
            return ast.parse(source, mode="exec")
    except SyntaxError as exc:
        raise _syntax_error(source, exc) from None
    except (RecursionError, MemoryError):
        # CPython's parser gives up on very deep nesting (a chain of thousands of operators)
        raise LimitExceeded(
            "max_depth",
            None,
            limits.max_depth,
            "the expression nests too deeply for the parser (more than about "
            f"{limits.max_depth:,} levels, e.g. a chain of thousands of operators in one "
            "statement): split it into several statements (h = ...)",
        ) from None
    except UnicodeError:
        raise SyntaxErr(
            "the expression contains characters that are not valid Unicode (lone surrogates)"
        ) from None
    except (ValueError, OverflowError) as exc:  # null bytes, integer literals too long
        raise SyntaxErr(f"the expression cannot be parsed: {exc}") from None


def _syntax_error(source: str, exc: SyntaxError) -> SyntaxErr | LimitExceeded:
    msg = exc.msg or "invalid syntax"
    if "too many nested parentheses" in msg:
        return LimitExceeded(
            "max_depth",
            None,
            200,
            "more than 200 nested parentheses (the limit of Python's parser)",
        )
    if "Exceeds the limit" in msg and "digits" in msg:
        return LimitExceeded(
            "max_literal_digits",
            None,
            4300,
            "an integer literal has more than 4300 digits (Python's limit)",
        )
    span = None
    if exc.lineno:
        line = exc.lineno
        col = max((exc.offset or 1) - 1, 0)
        end_line = exc.end_lineno or line
        end_col = (exc.end_offset or 0) - 1
        if end_line < line or (end_line == line and end_col <= col):
            end_line, end_col = line, col + 1
        span = (line, col, end_line, end_col)  # SyntaxError offsets count characters already
    return SyntaxErr(
        f"syntax error at {where(span)}: {msg}" if span else f"syntax error: {msg}", span
    )


class _Columns:
    """ast columns are UTF-8 byte offsets; spans count code points (docs/api.md#spans)."""

    def __init__(self, source: str):
        self.source = source
        self.ascii = source.isascii()
        self.lines = None if self.ascii else _NEWLINE.split(source)

    def line_bytes(self, line: int) -> bytes:
        lines = _NEWLINE.split(self.source)
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return text.encode("utf-8", "surrogatepass")

    def span(self, node) -> Span:
        line, col = node.lineno, node.col_offset
        end_line, end_col = node.end_lineno, node.end_col_offset
        if self.ascii:
            return (line, col, end_line, end_col)
        return (line, self._chars(line, col), end_line, self._chars(end_line, end_col))

    def _chars(self, line: int, col: int) -> int:
        if not 0 < line <= len(self.lines):
            return col
        text = self.lines[line - 1]
        if text.isascii():
            return col
        return len(text.encode("utf-8", "surrogatepass")[:col].decode("utf-8", "ignore"))


# ---------------------------------------------------------------------------------------------
# The compiler: an allowlist walk that emits instructions
# ---------------------------------------------------------------------------------------------
class Opcode(IntEnum):  # an IntEnum hashes in C: the interpreter looks one up per instruction
    INPUT = auto()  # push the input `arg` (one leaf however often it is used)
    CONSTANT = auto()  # push the named constant `arg` (pi, e): one leaf, shared
    LITERAL = auto()  # push a constant leaf: a float, or (numbers, shape) of a list literal
    LOAD = auto()  # push the value of the assigned name `arg`
    APPLY = auto()  # pop arg.arity operands; push the op arg.op of them with arg.attrs
    SIGMOID_EXPANDED = auto()  # pop x; push engine.sigmoid_expanded(x)
    STORE = auto()  # name the top of the stack `arg` (it stays there)
    DISCARD = auto()  # pop (the value of a statement that is not the last)


class Call(NamedTuple):
    """What APPLY applies: a registry op with its attrs checked at compile time."""

    op: str
    arity: int
    attrs: dict


class Instruction(NamedTuple):
    opcode: Opcode
    arg: Any
    span: Span | None


class Compiler:
    def __init__(self, source: str, limits: Limits, sigmoid: str = "node"):
        self.limits = limits
        self.sigmoid = sigmoid
        self.cols = _Columns(source)
        self.program = Program(source)
        self.code = self.program.code
        self.defined: set[str] = set()  # names assigned by the statements so far
        self.assigned_at: dict[str, int] = {}  # every assigned name -> line of its first assignment
        self.inputs: dict[str, Span] = {}
        self.functions: dict[str, None] = {}

    def span(self, node) -> Span:
        return self.cols.span(node)

    # -- statements ----------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> Program:
        body = tree.body
        if not body:
            raise SyntaxErr("the expression is empty: type something like 1/(1+exp(-z))")
        for stmt in body:
            if isinstance(stmt, (ast.Assign, ast.AugAssign)):
                target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
                if isinstance(target, ast.Name):
                    self.assigned_at.setdefault(_normal(target.id), stmt.lineno)
        last = len(body) - 1
        for i, stmt in enumerate(body):
            handler = STATEMENTS.get(type(stmt))
            if handler is None:
                kind = type(stmt).__name__.lower()
                raise NotAllowed(
                    f"'{kind}' statements are not part of the expression language "
                    f"({where(self.span(stmt))}): write expressions and assignments such as "
                    "h = w1*x",
                    self.span(stmt),
                )
            handler(self, stmt)
            if i != last:
                self.code.append(Instruction(Opcode.DISCARD, None, None))
                if isinstance(stmt, ast.Expr):
                    self.program.warnings.append(
                        f"the value of the statement at {where(self.span(stmt))} is not used "
                        "(only the last statement is the output)"
                    )
        p = self.program
        p.inputs = list(self.inputs.items())
        p.functions = list(self.functions)
        if p.nodes > self.limits.max_nodes:
            raise LimitExceeded(
                "max_nodes",
                p.nodes,
                self.limits.max_nodes,
                f"the expression would build {p.nodes:,} nodes, over the limit "
                f"of {self.limits.max_nodes:,}",
            )
        return p

    def stmt_expr(self, stmt: ast.Expr) -> None:
        self.expr(stmt.value)

    def stmt_assign(self, stmt: ast.Assign) -> None:
        if len(stmt.targets) != 1:
            raise NotAllowed(
                "chained assignments (a = b = ...) are not allowed: assign one name per statement",
                self.span(stmt),
            )
        name = self.target(stmt.targets[0])
        self.expr(stmt.value)
        self.assign(name, stmt)

    def stmt_augassign(self, stmt: ast.AugAssign) -> None:
        name = self.target(stmt.target)
        op = BINARY_OPS.get(type(stmt.op))
        if op is None:
            raise NotAllowed(
                f"the operator {self.operator_text(_end(stmt.target), _start(stmt.value))} is not "
                "supported",
                self.span(stmt),
            )
        if name not in self.defined:
            raise UnknownName(
                f"'{name}' is updated at {where(self.span(stmt.target))} before it is assigned",
                self.span(stmt.target),
            )
        self.code.append(Instruction(Opcode.LOAD, name, self.span(stmt.target)))
        self.expr(stmt.value)
        self.code.append(Instruction(Opcode.APPLY, Call(op, 2, {}), self.span(stmt)))
        self.program.nodes += 1
        self.assign(name, stmt)

    def target(self, node) -> str:
        if not isinstance(node, ast.Name):
            raise NotAllowed("the left side of = must be one name, as in h = w1*x", self.span(node))
        name = _normal(node.id)
        self.check_identifier(name, node)
        if name in engine.OPS:
            raise NotAllowed(
                f"'{name}' is a function and cannot be assigned: choose another name",
                self.span(node),
            )
        if name in CONSTANTS and name not in self.defined:
            self.program.warnings.append(
                f"'{name}' is assigned at {where(self.span(node))}, so "
                "it no longer means the constant"
            )
        return name

    def assign(self, name: str, stmt) -> None:
        self.code.append(Instruction(Opcode.STORE, name, self.span(stmt)))
        if name not in self.defined:
            self.program.assigned.append(name)
        self.defined.add(name)

    def check_identifier(self, name: str, node) -> None:
        if name.startswith("__"):
            raise NotAllowed(
                f"names starting with '__' are not allowed ('{name}')", self.span(node)
            )

    # -- expressions ---------------------------------------------------------------------------
    def expr(self, root) -> None:
        """Emit the instructions of one expression: an iterative post-order walk."""
        max_depth = self.limits.max_depth
        stack: list = [(root, 1)]
        while stack:
            node, depth = stack.pop()
            if depth < 0:  # a finished node: its instruction
                if node is not None:
                    self.code.append(node)
                continue
            if depth > max_depth:
                span = self.span(node)
                raise LimitExceeded(
                    "max_depth",
                    depth,
                    max_depth,
                    f"the expression nests deeper than {max_depth:,} levels at {where(span)} (a "
                    "chain a + b + c counts one level per operator: split long chains into "
                    "statements)",
                    span,
                )
            handler = EXPRESSIONS.get(type(node))
            if handler is None:
                raise self.refuse(node)
            children, instruction = handler(self, node)
            stack.append((instruction, -1))
            for child in reversed(children):
                stack.append((child, depth + 1))

    def refuse(self, node) -> NotAllowed:
        what = REFUSED.get(type(node)) or f"'{type(node).__name__}' is"
        return NotAllowed(
            f"{what} not part of the expression language ({where(self.span(node))})",
            self.span(node),
        )

    def e_name(self, node: ast.Name):
        name = _normal(node.id)
        span = self.span(node)
        self.check_identifier(name, node)
        if name in self.defined:
            return (), Instruction(Opcode.LOAD, name, span)
        if name in self.assigned_at:
            raise UnknownName(
                f"'{name}' is used at {where(span)} before it is assigned on line "
                f"{self.assigned_at[name]}",
                span,
            )
        if name in CONSTANTS:
            if name not in self.program.constants:
                self.program.constants[name] = span
                self.program.nodes += 1
            return (), Instruction(Opcode.CONSTANT, name, span)
        if name in engine.OPS:
            raise NotAllowed(
                f"'{name}' is a function: call it, as in {name}(x) ({where(span)})", span
            )
        if name not in self.inputs:
            self.inputs[name] = span
            self.program.nodes += 1
        return (), Instruction(Opcode.INPUT, name, span)

    def e_constant(self, node: ast.Constant):
        value = node.value
        span = self.span(node)
        if isinstance(value, bool) or value is None:
            raise NotAllowed(
                f"{value} is only allowed as a keyword value, as in "
                f"sum(x, axis=0, keepdims=True) ({where(span)})",
                span,
            )
        if isinstance(value, (int, float)):
            self.program.nodes += 1
            return (), Instruction(Opcode.LITERAL, self.number(value, span), span)
        what = {str: "strings", bytes: "strings", complex: "complex numbers"}.get(
            type(value), f"the constant {type(value).__name__}"
        )
        raise NotAllowed(f"{what} are not part of the expression language ({where(span)})", span)

    def number(self, value, span: Span) -> float:
        """Integer literals become float64 here, before any arithmetic (9**9**9 is inf)."""
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if number == math.inf:
            self.program.warnings.append(
                f"the number at {where(span)} is too large for float64: it is Infinity"
            )
        return number

    def e_unary(self, node: ast.UnaryOp):
        span = self.span(node)
        if isinstance(node.op, ast.UAdd):
            return (node.operand,), None
        op = UNARY_OPS.get(type(node.op))
        if op is None:
            raise NotAllowed(
                f"the operator {self.operator_text(_start(node), _start(node.operand))} is not "
                f"supported ({where(span)})",
                span,
            )
        operand = node.operand
        self.program.nodes += 1
        if op == "neg" and _is_number(operand):  # -2 is one constant, not negate(2)
            return (), Instruction(Opcode.LITERAL, -self.number(operand.value, span), span)
        return (operand,), Instruction(Opcode.APPLY, Call(op, 1, {}), span)

    def e_binop(self, node: ast.BinOp):
        span = self.span(node)
        op = BINARY_OPS.get(type(node.op))
        if op is None:
            raise NotAllowed(
                f"the operator {self.operator_text(_end(node.left), _start(node.right))} is not "
                f"supported ({where(span)}); the operators are {' '.join(OPERATORS)}",
                span,
            )
        self.program.nodes += 1
        if op == "div" and _is_number(node.left) and engine.is_reciprocal(node.left.value):
            return (node.right,), Instruction(Opcode.APPLY, Call("reciprocal", 1, {}), span)
        return (node.left, node.right), Instruction(Opcode.APPLY, Call(op, 2, {}), span)

    def e_call(self, node: ast.Call):
        span = self.span(node)
        func = node.func
        if not isinstance(func, ast.Name):
            if isinstance(func, ast.Attribute):
                raise self.refuse(func)
            raise NotAllowed(
                f"only the engine's functions can be called, by name, as in exp(x) ({where(span)})",
                span,
            )
        name = _normal(func.id)
        self.check_identifier(name, func)
        op = engine.OPS.get(name)
        if op is None:
            hints = suggest(name, engine.OPS)
            hint = f"; did you mean {hints[0]}?" if hints else ""
            raise UnknownFunction(
                f"unknown function '{name}' at {where(self.span(func))}{hint}",
                self.span(func),
                hints,
            )
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.refuse(arg)
        names = list(op.params)
        operands = node.args[: op.arity]
        # params are literals; arguments past them stay syntax, for the binder to count
        extra = [
            self.literal(a, names[k]) if k < len(names) else a
            for k, a in enumerate(node.args[op.arity :])
        ]
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                kspan = self.span(kw)
                raise NotAllowed(f"**keyword arguments are not allowed ({where(kspan)})", kspan)
            kwargs[kw.arg] = kw.value if kw.arg not in op.params else self.literal(kw.value, kw.arg)
        try:
            _, _, attrs = engine.bind(name, (*operands, *extra), kwargs)
        except engine.ArgumentError as exc:
            raise self.argument_error(exc, node) from None
        self.functions.setdefault(name, None)
        if name == "sigmoid" and self.sigmoid == "expanded":
            self.program.nodes += EXPANDED_SIGMOID_NODES
            return tuple(operands), Instruction(Opcode.SIGMOID_EXPANDED, None, span)
        self.program.nodes += 1
        return tuple(operands), Instruction(Opcode.APPLY, Call(name, op.arity, attrs), span)

    def argument_error(self, exc: engine.ArgumentError, call: ast.Call) -> ArgumentErr:
        """The binder's error, underlining the argument it blames (else the whole call)."""
        blamed, hints = call, []
        if isinstance(exc.argument, int) and exc.argument < len(call.args):
            blamed = call.args[exc.argument]
        elif isinstance(exc.argument, str):
            params = engine.OPS[_normal(call.func.id)].params
            for kw in call.keywords:
                if kw.arg == exc.argument:
                    blamed = kw
                    hints = [] if kw.arg in params else suggest(kw.arg, params)
        span = self.span(blamed)
        return ArgumentErr(f"{exc} ({where(span)})", span, hints)

    def operator_text(self, start: tuple[int, int], end: tuple[int, int]) -> str:
        """The operator the user wrote: the source between two (line, byte column) positions."""
        if start[0] != end[0]:
            return "?"
        text = self.cols.line_bytes(end[0])[start[1] : end[1]].decode("utf-8", "replace")
        return text.strip(" \t()") or "?"

    def e_list(self, node: ast.List):
        """A list literal of numbers is one constant tensor; its shape is found level by level."""
        span = self.span(node)
        shape = []
        level = [node]
        while all(isinstance(n, ast.List) for n in level):
            sizes = {len(n.elts) for n in level}
            if len(sizes) != 1:
                raise ArgumentErr(
                    f"the list at {where(span)} is not rectangular: rows of "
                    f"lengths {sorted(sizes)}",
                    span,
                )
            (n,) = sizes
            if n == 0:
                raise ArgumentErr(f"an empty list is not a tensor ({where(span)})", span)
            shape.append(n)
            if len(shape) > MAX_LIST_DIMS:
                raise LimitExceeded(
                    "max_list_dims",
                    len(shape),
                    MAX_LIST_DIMS,
                    f"the list at {where(span)} has more than {MAX_LIST_DIMS} dimensions",
                    span,
                )
            elements = math.prod(shape)
            if elements > self.limits.max_tensor_elements:
                raise LimitExceeded(
                    "max_tensor_elements",
                    elements,
                    self.limits.max_tensor_elements,
                    f"the list at {where(span)} has {elements:,} elements, over "
                    f"the limit of {self.limits.max_tensor_elements:,}",
                    span,
                )
            level = [e for n in level for e in n.elts]
        values = []
        for item in level:
            if isinstance(item, ast.List):
                ispan = self.span(item)
                raise ArgumentErr(
                    f"the list at {where(span)} is not rectangular: a list at "
                    f"{where(ispan)} sits beside numbers",
                    ispan,
                )
            values.append(self.list_number(item))
        self.program.nodes += 1
        return (), Instruction(Opcode.LITERAL, (values, tuple(shape)), span)

    def list_number(self, node) -> float:
        span = self.span(node)
        if _is_number(node):
            return self.number(node.value, span)
        if (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, (ast.USub, ast.UAdd))
            and _is_number(node.operand)
        ):
            v = self.number(node.operand.value, span)
            return -v if isinstance(node.op, ast.USub) else v
        raise NotAllowed(
            f"list literals hold numbers only, as in [[1, 2], [3, 4]] ({where(span)})", span
        )

    def e_tuple(self, node: ast.Tuple):
        span = self.span(node)
        raise NotAllowed(
            f"tuples are only allowed as shapes and axes, as in reshape(x, (2, 3)) ({where(span)})",
            span,
        )

    def literal(self, node, param: str):
        """The value of a non-tensor argument (axis=1, keepdims=True, (2, 3), None)."""
        if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, bool)):
            return node.value
        if isinstance(node, (ast.Tuple, ast.List)):
            return tuple(self.int_literal(e, param) for e in node.elts)
        return self.int_literal(node, param)

    def int_literal(self, node, param: str) -> int:
        span = self.span(node)
        sign = 1
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            sign = -1 if isinstance(node.op, ast.USub) else 1
            node = node.operand
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int)
            and not isinstance(node.value, bool)
        ):
            if abs(node.value) > MAX_PARAM_INT:
                raise ArgumentErr(f"{param}: {node.value} is too large ({where(span)})", span)
            return sign * node.value
        raise ArgumentErr(
            f"{param} must be written as a literal: an integer, a tuple of "
            f"integers, True/False or None ({where(span)})",
            span,
        )


STATEMENTS = {
    ast.Expr: Compiler.stmt_expr,
    ast.Assign: Compiler.stmt_assign,
    ast.AugAssign: Compiler.stmt_augassign,
}
EXPRESSIONS = {
    ast.Name: Compiler.e_name,
    ast.Constant: Compiler.e_constant,
    ast.UnaryOp: Compiler.e_unary,
    ast.BinOp: Compiler.e_binop,
    ast.Call: Compiler.e_call,
    ast.List: Compiler.e_list,
    ast.Tuple: Compiler.e_tuple,
}


def _start(node) -> tuple[int, int]:
    return node.lineno, node.col_offset


def _end(node) -> tuple[int, int]:
    return node.end_lineno, node.end_col_offset


def _is_number(node) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    )


def _normal(name: str) -> str:
    # ast already applies NFKC to identifiers; inputs from JSON go through the same function
    return unicodedata.normalize("NFKC", name)


def compile_program(source: str, limits: Limits | None = None, sigmoid: str = "node") -> Program:
    """Parse and check `source`; raise an APIError subclass with a span if it is refused."""
    limits = limits or Limits()
    tree = parse_text(source, limits)
    return Compiler(source, limits, sigmoid).run(tree)
