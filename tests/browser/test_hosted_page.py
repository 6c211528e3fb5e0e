"""The page, the API docs and errors under the Content-Security-Policy (server/security.py) with
no violation, math and Swagger UI still rendered; and the whole app behind a reverse proxy under
a path prefix (tests/prefix_proxy.py in front of `serve --root-path /explorer`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CHROMIUM_ARGS, DESKTOP, PHONE, SHOTS  # noqa: F401  (CHROMIUM_ARGS: same launch)
from prefix_proxy import prefix_proxy
from servers import serving

ROOT = Path(__file__).resolve().parents[2]
SIGMOID_AT_5 = "?expr=1%2F(1%2Bexp(-z))&in.z=0&step=5"  # the first backprop step: reciprocal
#: Every violation the page meets, in the page: the event fires even when nothing is logged.
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


class Watched:
    """A page with its console errors and CSP violations recorded."""

    def __init__(self, browser, viewport=DESKTOP):
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.requests: list[str] = []
        self.page.add_init_script(LISTEN)
        self.page.on("console", lambda m: m.type == "error" and self.console.append(m.text))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def violations(self) -> list[str]:
        seen = self.page.evaluate("window.__csp ?? []")
        logged = [m for m in self.console if "Content Security Policy" in m]
        return seen + logged

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser):
    pages = []

    def make(viewport=DESKTOP):
        pages.append(Watched(browser, viewport))
        return pages[-1]

    yield make
    for w in pages:
        w.close()


def read_local_formula(page) -> dict:
    """The KaTeX formula of the step's local gradient: its source, the text drawn, and whether
    KaTeX's sizes (set through element.style) and its stylesheet took effect."""
    page.wait_for_selector(".local-row .katex")
    return page.eval_on_selector(
        ".local-row .katex",
        """el => ({
          tex: el.querySelector('annotation').textContent,
          drawn: el.querySelector('.katex-html').textContent,
          sized: el.querySelectorAll('.katex-html [style]').length,
          fracLine: getComputedStyle(el.querySelector('.frac-line')).borderBottomStyle,
        })""",
    )


def assert_the_math_is_rendered(page) -> None:
    math = read_local_formula(page)
    assert math["tex"].endswith(r"= -\frac{1}{\mathrm{add}^{2}}")
    assert "add" in math["drawn"] and "−" in math["drawn"]  # KaTeX's minus sign
    assert math["sized"] > 0  # KaTeX's inline sizes survived the policy
    assert math["fracLine"] == "solid"  # and its stylesheet applied


# -- the Content-Security-Policy holds with no violation ----------------------------------------
def test_the_watch_sees_a_violation(watched, base_url):
    """The control: an inline style and an inline script, as innerHTML would bring them."""
    w = watched()
    w.page.goto(base_url + "/")
    w.page.wait_for_selector("body[data-ready]", timeout=15_000)
    w.page.evaluate("""() => {
      const div = document.createElement('div');
      div.innerHTML = '<span style="color: red">x</span>';
      const script = document.createElement('script');
      script.textContent = 'window.ran = true';
      document.body.append(div, script);
    }""")
    w.page.wait_for_function("() => window.__csp.length === 2")
    assert [v.split()[0] for v in w.page.evaluate("window.__csp")] == [
        "style-src-attr",
        "script-src-elem",
    ]
    assert w.page.evaluate("window.ran") is None


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_page_runs_under_the_policy_with_no_violation(watched, base_url, viewport):
    w = watched(viewport)
    page = w.page
    response = page.goto(base_url + "/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector("body[data-ready]", timeout=15_000)
    page.fill("[data-expression]", "1/(1+exp(-z))")
    page.locator('[data-input="z"]').fill("0")
    # the page shows a graph from its start already: wait for this run's answer, then step
    with page.expect_response(lambda r: r.url.endswith("/api/graph")):
        page.click("[data-run]")
    page.wait_for_function(
        "() => window.backprop.store.state.shown?.expression === '1/(1+exp(-z))'"
        " && !document.querySelector('[data-run][aria-busy]')"
    )
    for k in range(1, 6):  # to the first backprop step
        page.click('[data-action="next"]')
        page.wait_for_function(
            f"() => document.querySelector('[data-timeline-slider]').value === '{k}'"
        )
    assert_the_math_is_rendered(page)
    page.click('[data-action="play"]')  # animation and the chain-rule panel
    page.wait_for_function("() => document.querySelector('[data-timeline-slider]').value === '9'")
    page.click('[data-action="reset"]')
    assert w.violations() == []
    assert w.console == []


def test_a_permalink_renders_its_math_with_no_violation(watched, base_url):
    w = watched()
    w.page.goto(base_url + "/" + SIGMOID_AT_5 + "&check=1&chain=z")
    w.page.wait_for_selector("body[data-ready]", timeout=15_000)
    assert_the_math_is_rendered(w.page)
    w.page.wait_for_selector("[data-chain-body] .katex")
    assert w.violations() == []
    assert w.console == []


def test_an_expression_error_shows_with_no_violation(watched, base_url):
    w = watched()
    w.page.goto(base_url + "/?expr=tahn(x)&in.x=1")
    w.page.wait_for_selector("body[data-ready]", timeout=15_000)
    w.page.wait_for_selector("[data-error]:not([hidden])")
    assert "tanh" in w.page.inner_text("[data-error]")
    assert w.violations() == []


def test_an_error_answer_shows_with_no_violation(watched, base_url):
    w = watched()
    response = w.page.goto(base_url + "/nothing")
    assert response.status == 404
    assert "nothing at /nothing" in w.page.inner_text("body")
    assert w.violations() == []


def test_swagger_ui_runs_under_the_policy_with_no_violation(watched, base_url):
    w = watched()
    w.page.goto(base_url + "/docs")
    w.page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    paths = w.page.locator(".opblock-summary-path").all_inner_texts()
    assert {"/api/graph", "/api/diagnose", "/healthz"} <= set(paths)
    w.page.click(".opblock-post:has-text('/api/graph') .opblock-summary")
    w.page.wait_for_selector(".opblock-post.is-open .opblock-body")
    assert w.violations() == []
    assert w.console == []


# -- behind a reverse proxy, under /explorer -----------------------------------------------------
@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    if not (ROOT / "node_modules" / "katex" / "dist" / "katex.mjs").is_file():
        pytest.skip("node_modules/ is missing: run `npm ci`")
    log = tmp_path_factory.mktemp("prefix") / "server.log"
    with serving("--root-path", "/explorer", log=log) as upstream:
        with prefix_proxy(upstream, "/explorer") as url:
            yield url


def test_the_page_works_under_a_prefix(watched, proxied):
    w = watched()
    page = w.page
    page.goto(proxied + "/explorer")  # redirected to /explorer/ by the proxy, as nginx does
    page.wait_for_selector("body[data-ready]", timeout=15_000)
    assert page.url.startswith(proxied + "/explorer/")
    page.fill("[data-expression]", "1/(1+exp(-z))")
    page.locator('[data-input="z"]').fill("0")
    page.click("[data-run]")
    page.wait_for_function(
        "() => window.backprop.store.state.shown?.expression === '1/(1+exp(-z))'"
    )
    for _ in range(5):
        page.click('[data-action="next"]')
    assert_the_math_is_rendered(page)
    page.click('[data-action="end"]')
    assert page.inner_text('[data-gradient="z"]') == "0.25"
    page.wait_for_function("() => location.search.includes('step=9')")  # the share link
    assert page.url.startswith(proxied + "/explorer/?")
    page.reload()
    page.wait_for_selector("body[data-ready]", timeout=15_000)
    assert page.inner_text('[data-gradient="z"]') == "0.25"
    page.screenshot(path=str(SHOTS / "hosting-prefix-desktop.png"))
    assert w.requests[0] == proxied + "/explorer"  # then everything under /explorer/
    outside = [u for u in w.requests[1:] if not u.startswith((proxied + "/explorer/", "data:"))]
    assert outside == []
    assert any(u == proxied + "/explorer/api/graph" for u in w.requests)
    assert any(u.startswith(proxied + "/explorer/vendor/katex/") for u in w.requests)
    assert w.violations() == []
    assert w.console == []


def test_swagger_ui_works_under_a_prefix(watched, proxied):
    w = watched()
    page = w.page
    page.goto(proxied + "/explorer/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    block = ".opblock-post:has-text('/api/graph')"
    page.click(f"{block} .opblock-summary")
    page.click(f"{block} .try-out__btn")
    page.click(f"{block} .execute")
    page.wait_for_selector(f"{block} .live-responses-table tr.response .response-col_status")
    status = page.inner_text(f"{block} .live-responses-table tr.response .response-col_status")
    assert status.strip() in ("200", "422")  # answered by the app, not the proxy's 404
    assert proxied + "/explorer/api/graph" in w.requests
    outside = [u for u in w.requests if not u.startswith((proxied + "/explorer/", "data:"))]
    assert outside == []
    assert w.violations() == []
