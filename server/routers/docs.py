"""GET /docs: the OpenAPI docs with no CDN (the page must work offline).

Swagger UI is served from /vendor/swagger-ui-dist when that npm package is installed; otherwise
a small built-in page lists the operations of /openapi.json.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

FALLBACK = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Backprop Explorer API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .25rem}code,pre{font:13px ui-monospace,monospace}
pre{background:#f4f4f4;padding:.5rem;overflow:auto}.m{font-weight:700;margin-right:.5rem}
</style></head><body>
<h1>Backprop Explorer API</h1>
<p>The machine-readable description is <a href="/openapi.json">/openapi.json</a>;
the contracts are explained in docs/api.md.</p>
<div id="ops">Loading&hellip;</div>
<script type="module">
const spec = await (await fetch("/openapi.json")).json();
const root = document.getElementById("ops");
root.textContent = "";
for (const [path, item] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(item)) {
    const h = document.createElement("h2");
    const m = document.createElement("span");
    m.className = "m"; m.textContent = method.toUpperCase();
    h.append(m, path);
    const p = document.createElement("p");
    p.textContent = op.description || op.summary || "";
    root.append(h, p);
    const schema = op.requestBody?.content?.["application/json"]?.schema;
    if (schema) {
      const pre = document.createElement("pre");
      pre.textContent = JSON.stringify(schema, null, 2);
      root.append(pre);
    }
  }
}
</script></body></html>"""


@router.get("/docs")
async def docs(request: Request) -> HTMLResponse:
    if request.app.state.swagger_ui:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Backprop Explorer API",
            swagger_js_url="/vendor/swagger-ui-dist/swagger-ui-bundle.js",
            swagger_css_url="/vendor/swagger-ui-dist/swagger-ui.css",
            swagger_favicon_url="/vendor/swagger-ui-dist/favicon-32x32.png",
        )
    return HTMLResponse(FALLBACK)
