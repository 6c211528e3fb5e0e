"""The engine's errors: one small hierarchy, so callers can map each kind to a clear message."""


class EngineError(Exception):
    """Base class of every error the engine raises on bad input."""


class ShapeError(EngineError):
    """Operand shapes an op cannot combine; names the op and the shapes."""

    def __init__(self, op: str, shapes: tuple, detail: str = ""):
        self.op = op
        self.shapes = tuple(tuple(s) for s in shapes)
        text = ", ".join(str(list(s)) for s in self.shapes)
        msg = f"{op}: cannot combine shapes {text}"
        super().__init__(f"{msg}: {detail}" if detail else msg)


class ArgumentError(EngineError):
    """A wrong number of operands or a bad keyword argument (axis, keepdims, shape, ...).

    `argument` says which one, when one is to blame: a keyword's name, or the position of a
    positional argument (the expression language underlines it); None for the whole call.
    """

    def __init__(self, message: str, argument: str | int | None = None):
        super().__init__(message)
        self.argument = argument


class DomainError(EngineError):
    """An operand outside what the op accepts at all (e.g. a class index out of range)."""
