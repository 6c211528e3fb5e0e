"""The ASGI app: `server.app:app`, made by `create_app()` (FastAPI's "Bigger Applications").

Routers carry the routes; errors become JSON in one place (`install_error_handlers`); the body
middleware enforces the body size and read timeout; the page (the package `static`) is mounted
last at `/` so the /api routes win, and its npm files (static/vendor/, see setup.py) at /vendor/.
"""

from __future__ import annotations

import gc
import logging
import mimetypes
import os
from functools import partial
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette._utils import get_route_path
from starlette.exceptions import HTTPException
from starlette.routing import Route, compile_path

from . import config, ratelimit, security
from .body_limit import BodyLimitMiddleware
from .cache import CACHE_ENTRIES, ResponseCache
from .config import Hosting, Limits
from .errors import APIError, BadRequest, InternalError, MethodNotAllowed, NotFound
from .lessons import SHIPPED, Library
from .live import make_live
from .responses import JSONResponse
from .routers import docs, expressions, lessons, meta, sessions
from .routers import export as export_routes
from .routers import train as training_routes
from .schemas import ErrorResponse, openapi_schemas

#: The page and its npm files: package data, wherever the package is installed (setup.py).
STATIC = Path(str(resources.files("static")))
VENDOR = STATIC / "vendor"
log = logging.getLogger("server")

# Python 3.11's mimetypes does not know these; browsers refuse ES modules served as text/plain.
for _type, _ext in (
    ("text/javascript", ".mjs"),
    ("font/woff2", ".woff2"),
    ("font/woff", ".woff"),
    ("font/ttf", ".ttf"),
):
    mimetypes.add_type(_type, _ext)


def create_app(
    limits: Limits | None = None,
    static_dir: Path = STATIC,
    vendor_dir: Path = VENDOR,
    cache_entries: int | None = None,
    hosting: Hosting | None = None,
    lessons_dir: Path | None = None,
) -> FastAPI:
    """The app with these limits (default: the environment's, see server.config) and a cache
    of `cache_entries` small answers (default: $BPE_CACHE_ENTRIES or 256; 0 turns it off),
    hosted as `hosting` says (rate limit, CORS, framing; default: the environment's).
    `lessons_dir` (default: $BPE_LESSONS_DIR) adds an instructor's lessons to the shipped ones."""
    limits = limits or Limits.from_env()
    hosting = hosting or Hosting.from_env()
    if cache_entries is None:
        cache_entries = int(os.environ.get("BPE_CACHE_ENTRIES") or CACHE_ENTRIES)
    app = FastAPI(
        title="Backprop Explorer",
        version="0.1.0",
        description="Type an expression, get its graph and every step of backprop.",
        docs_url=None,
        redoc_url=None,
        default_response_class=JSONResponse,
        responses={500: {"model": ErrorResponse, "description": "A bug, reported as JSON"}},
    )
    app.state.limits = limits
    app.state.cache = ResponseCache(cache_entries)
    if lessons_dir is None and os.environ.get("BPE_LESSONS_DIR"):
        lessons_dir = Path(os.environ["BPE_LESSONS_DIR"])
    app.state.lessons = Library([SHIPPED, *([lessons_dir] if lessons_dir else [])], limits)
    app.state.swagger_ui = (vendor_dir / "swagger-ui-dist" / "swagger-ui-bundle.js").is_file()
    install_error_handlers(app)
    app.state.live = make_live()  # live class sessions (server/live)
    routers = (
        *(expressions.router, meta.router, docs.router, lessons.router),
        *(training_routes.router, export_routes.router, sessions.router),
    )
    for router in routers:
        app.include_router(router)
        for route in router.routes:
            if isinstance(route, APIRoute) and "GET" in route.methods:
                # HEAD is GET without the body (the server drops it), as for the page's files
                app.add_api_route(
                    route.path,
                    route.endpoint,
                    methods=["HEAD"],
                    response_class=route.response_class,
                    include_in_schema=False,
                )
    app.state.methods = {}  # path -> allowed methods, for 405s (the page at / answers instead)
    for route in [*app.routes, *(route for router in routers for route in router.routes)]:
        if isinstance(route, Route):
            app.state.methods.setdefault(route.path, set()).update(route.methods or ())
    app.openapi = partial(openapi, app, limits)
    app.add_middleware(
        BodyLimitMiddleware, max_body_bytes=limits.max_body_bytes, body_timeout=limits.body_timeout
    )
    # hosting on a public address (docs/hosting.md): outermost, the security headers, then
    # CORS, then the rate limit, which refuses before the body is read
    rate_items = hosting.rate_limit_items()
    app.state.rate_limited_paths = tuple(config.RATE_LIMITED_PATHS) if rate_items else ()
    if rate_items:
        app.add_middleware(
            ratelimit.RateLimitMiddleware, items=rate_items, paths=app.state.rate_limited_paths
        )
    app.state.security_headers = security.security_headers(hosting)
    security.install(app, hosting)
    if vendor_dir.is_dir():
        # an editable install links these files into node_modules/ (setup.py)
        app.mount("/vendor", StaticFiles(directory=vendor_dir, follow_symlink=True), name="vendor")
    app.mount("/", StaticFiles(directory=static_dir, html=True, check_dir=False), name="static")
    tune_gc()
    return app


def openapi(app: FastAPI, limits: Limits) -> dict:
    """FastAPI's document plus the request bodies the routes read themselves (server/schemas.py),
    with this server's limits."""
    if app.openapi_schema is None:
        schema = FastAPI.openapi(app)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(
            openapi_schemas(limits)
        )
        ratelimit.document(schema, app.state.rate_limited_paths)
        lessons.describe_lesson_ids(schema, app.state.lessons)
    return app.openapi_schema


def tune_gc() -> None:
    """A 10,000-node request allocates ~200,000 objects; with Python's default threshold (700)
    that triggers several full collections per request, each scanning the whole heap (~25% of
    the request's time). Collect young objects less often, and move everything alive at startup
    (modules, numpy, FastAPI) out of the collector's way. Once per process."""
    if gc.get_threshold()[0] >= 50_000:
        return
    gc.set_threshold(50_000, 20, 50)
    gc.freeze()


def install_error_handlers(app: FastAPI) -> None:
    """Every error becomes `{"error": {...}}` JSON (docs/api.md); never FastAPI's defaults,
    which can themselves fail on odd input."""

    @app.exception_handler(APIError)
    async def api_error(request: Request, exc: APIError) -> JSONResponse:
        return JSONResponse(exc.payload(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        headers = exc.headers
        path = get_route_path(request.scope)  # without --root-path's prefix
        allowed = request.app.state.methods.get(path) or templated_methods(request)
        if allowed and exc.status_code in (404, 405):
            # an API path with another method: the page mounted at / answered instead
            err = MethodNotAllowed(
                f"{request.method} is not allowed on {request.url.path}: use "
                f"{' or '.join(sorted(allowed))}"
            )
            headers = {"allow": ", ".join(sorted(allowed))}
        elif exc.status_code == 404:
            err = NotFound(f"nothing at {request.url.path[:200]}")
        elif exc.status_code == 405:
            err = MethodNotAllowed(f"{request.method} is not allowed on {request.url.path[:200]}")
        else:
            err = APIError(str(exc.detail)[:500])
            err.status, err.code = exc.status_code, "http_error"
        return JSONResponse(err.payload(), status_code=err.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        err = BadRequest("the request does not match the API: see /docs")
        return JSONResponse(err.payload(), status_code=err.status)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s", request.url.path)
        err = InternalError(
            f"internal error ({type(exc).__name__}); this is a bug, please "
            "report it with the request"
        )
        # answered outside every middleware (Starlette's ServerErrorMiddleware): add the headers
        headers = request.app.state.security_headers
        return JSONResponse(err.payload(), status_code=err.status, headers=headers)


def templated_methods(request: Request) -> set[str]:
    """The methods of the paths with parameters (/api/sessions/{sid}/state) that match."""
    path = get_route_path(request.scope)
    return {
        method
        for template, methods in request.app.state.methods.items()
        if "{" in template and compile_path(template)[0].match(path)
        for method in methods
    }


app = create_app()
