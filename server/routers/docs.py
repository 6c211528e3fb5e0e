"""GET /docs: the OpenAPI docs with no CDN (the page must work offline).

Swagger UI is served from /vendor/swagger-ui-dist when that npm package is installed; otherwise
a small built-in page lists the operations of /openapi.json. Neither has an inline script or
style (the Content-Security-Policy refuses them, server/security.py): each starts from a file of
the page (static/js/docs-*.js), which reads the URL of the document from a data attribute.
Every URL carries the root path, so the docs work behind a reverse proxy's prefix too.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

SWAGGER_UI = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Backprop Explorer API</title>
<link rel="stylesheet" href="{root}/vendor/swagger-ui-dist/swagger-ui.css">
<link rel="icon" href="{root}/vendor/swagger-ui-dist/favicon-32x32.png">
</head><body>
<div id="swagger-ui" data-openapi-url="{root}/openapi.json"></div>
<script src="{root}/vendor/swagger-ui-dist/swagger-ui-bundle.js"></script>
<script src="{root}/js/docs-swagger.js"></script>
</body></html>"""

FALLBACK = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Backprop Explorer API</title>
<link rel="stylesheet" href="{root}/css/docs-fallback.css">
<script type="module" src="{root}/js/docs-fallback.js"></script>
</head><body>
<h1>Backprop Explorer API</h1>
<p>The machine-readable description is <a href="{root}/openapi.json">/openapi.json</a>;
the contracts are explained in docs/api.md.</p>
<div id="ops" data-openapi-url="{root}/openapi.json">Loading&hellip;</div>
</body></html>"""


@router.get("/docs")
async def docs(request: Request) -> HTMLResponse:
    root = escape(request.scope.get("root_path", "").rstrip("/"))
    page = SWAGGER_UI if request.app.state.swagger_ui else FALLBACK
    return HTMLResponse(page.format(root=root))
