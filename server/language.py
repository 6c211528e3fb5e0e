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
#: Callable functions: exactly the engine's op registry.
FUNCTIONS = engine.FUNCTIONS
#: Binary operators and the op each builds.
BINARY_OPS = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "div",
    ast.Pow: "pow",
    ast.MatMult: "matmul",
}
OPERATOR_TEXT = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Not: "not",
    ast.Invert: "~",
}
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
    code: list = field(default_factory=list)  # (kind, arg, arg2, span) tuples, see Compiler
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
    """ast columns are UTF-8 byte offsets; the page counts characters. Converts per line."""

    def __init__(self, source: str):
        self.ascii = source.isascii()
        self.lines = None if self.ascii else _NEWLINE.split(source)

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
# Instruction kinds (tuples (kind, a, b, span)):
#   INPUT name          push the input `name` (one node however often it is used)
#   CONSTNAME name      push the named constant (pi, e)
#   CONST value         push a constant leaf: a float, or (nested list, shape) for a list literal
#   VAR name            push the value of an assigned name
#   BINARY op           pop y, x; push op(x, y)
#   RECIP               pop x; push reciprocal(x)  (the literal 1 in `1/x` is not a node)
#   NEG                 pop x; push neg(x)
#   CALL name (n, params, kwargs)   pop n operands; push name(*operands, *params, **kwargs)
#   ASSIGN name         name the top of the stack (it stays there)
#   DISCARD             pop (the value of a statement that is not the last)
INPUT, CONSTNAME, CONST, VAR, BINARY, RECIP, NEG, CALL, ASSIGN, DISCARD = range(10)


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
                self.code.append((DISCARD, None, None, None))
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
                f"the operator {OPERATOR_TEXT.get(type(stmt.op), '?')}= is not supported",
                self.span(stmt),
            )
        if name not in self.defined:
            raise UnknownName(
                f"'{name}' is updated at {where(self.span(stmt.target))} before it is assigned",
                self.span(stmt.target),
            )
        self.code.append((VAR, name, None, self.span(stmt.target)))
        self.expr(stmt.value)
        self.code.append((BINARY, op, None, self.span(stmt)))
        self.program.nodes += 1
        self.assign(name, stmt)

    def target(self, node) -> str:
        if not isinstance(node, ast.Name):
            raise NotAllowed("the left side of = must be one name, as in h = w1*x", self.span(node))
        name = _normal(node.id)
        self.check_identifier(name, node)
        if name in FUNCTIONS:
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
        self.code.append((ASSIGN, name, None, self.span(stmt)))
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
            return (), (VAR, name, None, span)
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
            return (), (CONSTNAME, name, None, span)
        if name in FUNCTIONS:
            raise NotAllowed(
                f"'{name}' is a function: call it, as in {name}(x) ({where(span)})", span
            )
        if name not in self.inputs:
            self.inputs[name] = span
            self.program.nodes += 1
        return (), (INPUT, name, None, span)

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
            return (), (CONST, self.number(value, span), None, span)
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
        if not isinstance(node.op, ast.USub):
            raise NotAllowed(
                f"the operator {OPERATOR_TEXT.get(type(node.op), '?')} is not "
                f"supported ({where(span)})",
                span,
            )
        operand = node.operand
        if _is_number(operand):  # -2 is one constant, not negate(2)
            self.program.nodes += 1
            return (), (CONST, -self.number(operand.value, span), None, span)
        self.program.nodes += 1
        return (operand,), (NEG, None, None, span)

    def e_binop(self, node: ast.BinOp):
        span = self.span(node)
        op = BINARY_OPS.get(type(node.op))
        if op is None:
            raise NotAllowed(
                f"the operator {OPERATOR_TEXT.get(type(node.op), '?')} is not "
                f"supported ({where(span)}); the operators are + - * / ** @",
                span,
            )
        self.program.nodes += 1
        if op == "div" and _is_number(node.left) and node.left.value == 1:
            return (node.right,), (RECIP, None, None, span)  # 1/x is the post's reciprocal
        return (node.left, node.right), (BINARY, op, None, span)

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
            hints = suggest(name, FUNCTIONS)
            hint = f"; did you mean {hints[0]}?" if hints else ""
            raise UnknownFunction(
                f"unknown function '{name}' at {where(self.span(func))}{hint}",
                self.span(func),
                hints,
            )
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.refuse(arg)
        args = node.args
        if len(args) < op.arity:
            raise ArgumentErr(
                f"{name} takes {op.arity} operand(s), got {len(args)} ({where(span)})", span
            )
        params = list(op.params)
        if len(args) > op.arity + len(params):
            extra = f" then {', '.join(params)}" if params else ""
            raise ArgumentErr(
                f"{name} takes {op.arity} operand(s){extra}, got {len(args)} "
                f"arguments ({where(span)})",
                span,
            )
        positional = tuple(self.literal(a, params[i]) for i, a in enumerate(args[op.arity :]))
        kwargs = {}
        for kw in node.keywords:
            kspan = self.span(kw)
            if kw.arg is None:
                raise NotAllowed(f"**keyword arguments are not allowed ({where(kspan)})", kspan)
            if kw.arg not in op.params:
                known = ", ".join(params) or "none"
                hints = suggest(kw.arg, params)
                raise ArgumentErr(
                    f"{name} has no keyword '{kw.arg}' (its keywords: {known}) ({where(kspan)})",
                    kspan,
                    hints,
                )
            if kw.arg in kwargs or params.index(kw.arg) < len(positional):
                raise ArgumentErr(f"{name} got '{kw.arg}' twice ({where(kspan)})", kspan)
            kwargs[kw.arg] = self.literal(kw.value, kw.arg)
        self.functions.setdefault(name, None)
        self.program.nodes += 5 if name == "sigmoid" and self.sigmoid == "expanded" else 1
        return tuple(args[: op.arity]), (CALL, name, (op.arity, positional, kwargs), span)

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
        return (), (CONST, (values, tuple(shape)), None, span)

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
