"""No request leaves the server: the page and the API docs load everything from the app itself
(math rendering, layout and Swagger UI come from npm through the lockfile, served at /vendor/)."""

import pytest


@pytest.mark.parametrize(
    "path, ready",
    [
        ("/", "body[data-ready]"),
        ("/docs", ".swagger-ui .information-container"),
    ],
)
def test_every_request_goes_to_the_app(browser, base_url, path, ready):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    page.goto(base_url + path)
    page.wait_for_selector(ready, timeout=15_000)
    if path == "/":
        page.click("[data-run]")
        page.wait_for_function("document.body.dataset.status !== 'loading'")
    page.wait_for_load_state("networkidle")
    context.close()
    assert urls, "the page made no request at all"
    outside = [u for u in urls if not u.startswith(base_url) and not u.startswith("data:")]
    assert outside == []
    assert any("/vendor/" in u for u in urls)
