"""The routes, one module per group: the expression endpoints, the metadata, the docs page."""

from collections.abc import Awaitable, Callable

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response


class DirectRoute(APIRoute):
    """A route whose endpoint takes the Request alone, reads and checks its body itself
    (server/schemas.py) and returns a Response: FastAPI's request handler (dependency solving,
    body reading, response validation) has nothing to do for it, so the endpoint is called
    directly. /openapi.json still comes from the route's declaration."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        return self.endpoint
