"""The service's errors: one small typed hierarchy; each kind has its code and HTTP status.

Every error carries what the page needs to underline and explain it: a message that says what
and where, the source span `(line, col, end_line, end_col)` or None, suggestions ("did you mean
tanh?") and, for limits, the limit's name, the value met and the maximum. `payload()` is the
JSON body of every 4xx response: `{"error": {"code", "message", "span", "suggestions"[, "limit"]}}`.
"""

from __future__ import annotations

Span = tuple[int, int, int, int]


class APIError(Exception):
    code = "bad_request"
    status = 400
    headers: dict[str, str] | None = None  # e.g. Retry-After on a 429 or 503

    def __init__(self, message: str, span: Span | None = None, suggestions=(), limit=None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.suggestions = list(suggestions)
        self.limit = limit

    def payload(self) -> dict:
        body = {
            "code": self.code,
            "message": self.message,
            "span": list(self.span) if self.span else None,
            "suggestions": self.suggestions,
        }
        if self.limit is not None:
            body["limit"] = self.limit
        return {"error": body}


# -- the request itself (before any expression is looked at) ----------------------------------
class BadRequest(APIError):
    """Not JSON, not a JSON object, a wrong content type, a missing or mistyped field."""

    code, status = "bad_request", 400


class BodyTooLarge(APIError):
    code, status = "body_too_large", 413


class ClientTimeout(APIError):
    """The client did not send its whole body within the body timeout."""

    code, status = "timeout", 408


class NotFound(APIError):
    code, status = "not_found", 404


class MethodNotAllowed(APIError):
    code, status = "method_not_allowed", 405


# -- the expression and its inputs (422) ------------------------------------------------------
class ExpressionError(APIError):
    status = 422


class SyntaxErr(ExpressionError):
    code = "syntax_error"


class UnknownName(ExpressionError):
    code = "unknown_name"


class UnknownFunction(ExpressionError):
    code = "unknown_function"


class NotAllowed(ExpressionError):
    """Valid Python that the expression language does not include (attributes, lambda, ...)."""

    code = "not_allowed"


class MissingInput(ExpressionError):
    code = "missing_input"


class BadInput(ExpressionError):
    """An input value or the seed that is not a number, a rectangular list or a known string."""

    code = "bad_input"


class ShapeErr(ExpressionError):
    code = "shape_error"


class ArgumentErr(ExpressionError):
    code = "argument_error"


class DomainErr(ExpressionError):
    code = "domain_error"


class LimitExceeded(ExpressionError):
    """A configured limit (config.Limits); `limit` is {"name", "value", "max"}."""

    code = "limit_exceeded"

    def __init__(self, name: str, value, maximum, message: str, span: Span | None = None):
        super().__init__(message, span, limit={"name": name, "value": value, "max": maximum})


class InternalError(APIError):
    """A bug: never expected; reported as JSON all the same."""

    code, status = "internal_error", 500


# -- live class sessions (server/live, server/routers/sessions.py) ----------------------------
class Unauthorized(APIError):
    """No `Authorization: Bearer <presenter_token>` header."""

    code, status = "unauthorized", 401
    headers = {"www-authenticate": "Bearer"}


class Forbidden(APIError):
    """A presenter token that is not this session's."""

    code, status = "forbidden", 403


class Conflict(APIError):
    """The poll is closed, revealed, or full."""

    code, status = "conflict", 409


class BadPoll(APIError):
    """A poll about an edge that carries no single number, or an answer that is not a number."""

    code, status = "bad_poll", 422


class BadLesson(APIError):
    """A live session's lesson that this server does not have, or a slide it does not have."""

    code, status = "bad_lesson", 422


class TooManyRequests(APIError):
    code, status = "rate_limited", 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.headers = {"retry-after": str(retry_after)}


class Unavailable(APIError):
    """A capacity the server will not exceed (sessions, streams), or live sessions off."""

    code, status = "unavailable", 503

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.headers = {"retry-after": str(retry_after)} if retry_after else None
