"""Security headers on every response, and CORS for the origins the host allows (docs/hosting.md).

The Content-Security-Policy allows what the app itself serves and nothing else: no inline
script or style (the page sets styles through the DOM, KaTeX renders with `katex.render`, the
API docs start Swagger UI from a served file), no eval, no plugins, no other origin. CORS is
off unless origins are named (`--allow-origin`): then Starlette's CORSMiddleware answers their
preflights, and refuses others with the API's JSON error.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from .config import Hosting
from .errors import APIError
from .responses import JSONResponse


def content_security_policy(frame_ancestors: str = "'none'") -> str:
    """The policy of every response: everything from this app, nothing inline, nothing else."""
    directives = {
        "default-src": "'none'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",  # KaTeX and Swagger UI draw a few icons as data: URLs
        "font-src": "'self'",
        "connect-src": "'self'",
        "manifest-src": "'self'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": frame_ancestors,
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def security_headers(hosting: Hosting) -> dict[str, str]:
    """The headers every response carries (the 500 handler adds them itself, see app.py)."""
    headers = {
        "content-security-policy": content_security_policy(hosting.frame_ancestors),
        "x-content-type-options": "nosniff",
        # share links carry the expression in the query: never send them to another site
        "referrer-policy": "no-referrer",
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    }
    if hosting.frame_ancestors == "'none'":
        headers["x-frame-options"] = "DENY"  # frame-ancestors for browsers without CSP 2
    return headers


class SecurityHeadersMiddleware:
    """Adds `headers` to every HTTP response that passes through it (pure ASGI: a few
    microseconds, and streamed responses stay streamed)."""

    def __init__(self, app, headers: dict[str, str]):
        self.app = app
        self.raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        self.names = {k for k, _ in self.raw}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                given = message.get("headers", [])
                # a response that set one of them itself (none does today) keeps its own
                own = [h for h in given if h[0].lower() in self.names]
                extra = self.raw if not own else [h for h in self.raw if h[0] not in own]
                message["headers"] = [*given, *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CORSRefused(APIError):
    code, status = "cors_refused", 400


class CORS(CORSMiddleware):
    """Starlette's CORS, with its refusals of a preflight as the API's JSON error."""

    def preflight_response(self, request_headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        origin = request_headers.get("origin", "")[:200]
        method = request_headers.get("access-control-request-method", "")[:20]
        if not self.is_allowed_origin(origin):
            what = f"the origin {origin} may not call this API (see --allow-origin)"
        elif method not in self.allow_methods:
            what = f"{method} is not allowed from another origin"
        else:
            what = "a requested header is not allowed from another origin"
        err = CORSRefused(f"cross-origin request refused: {what}")
        allow = {k: v for k, v in response.headers.items() if k.startswith("access-control")}
        return JSONResponse(err.payload(), status_code=err.status, headers={**allow})


def install(app: FastAPI, hosting: Hosting) -> None:
    """CORS (when origins are allowed), then the headers around everything (added last, so
    outermost: they reach the answers of every other middleware too)."""
    if hosting.allow_origins:
        app.add_middleware(
            CORS,
            allow_origins=list(hosting.allow_origins),
            allow_methods=["GET", "HEAD", "POST", "PUT"],
            allow_headers=["Content-Type", "Authorization", "Last-Event-ID"],
            expose_headers=["Retry-After", "Server-Timing"],
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware, headers=app.state.security_headers)
