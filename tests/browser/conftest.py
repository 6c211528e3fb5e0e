"""Browser tests: the real server in a subprocess, Debian's Chromium driven by Playwright.

Screenshots of each view go to artifacts/screenshots/ (git-ignored): look at them.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page as PlaywrightPage
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from servers import serving

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@contextlib.contextmanager
def running_server():
    """The app on a free port until the block ends; yields its base URL."""
    with serving(log=ROOT / "artifacts" / "browser-server.log") as url:
        yield url


@pytest.fixture(scope="session")
def base_url():
    """The real app for the whole session."""
    if not (ROOT / "node_modules" / "katex" / "dist" / "katex.mjs").is_file():
        pytest.skip(
            "node_modules/ is missing: run `npm ci` (./dev test does) so the page's "
            "KaTeX and dagre can be served at /vendor/"
        )
    with running_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "the browser tests need Debian's chromium at /usr/bin/chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """A Playwright page plus the console errors it logged, and helpers for this app."""

    def __init__(self, page, base_url: str, name: str):
        self.page = page
        self.base_url = base_url
        self.name = name
        self.errors: list[str] = []
        # console errors a test expects, e.g. Chrome's "the server responded with a status of 4"
        # for a 4xx answer to fetch()
        self.allowed: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def open(self, query: str = "") -> None:
        self.page.goto(f"{self.base_url}/{query}")
        self.page.wait_for_selector("body[data-ready]", timeout=15_000)

    def position(self) -> int:
        return int(self.page.eval_on_selector("[data-timeline-slider]", "el => el.value"))

    def last(self) -> int:
        return int(self.page.eval_on_selector("[data-timeline-slider]", "el => el.max"))

    def step_title(self) -> str:
        return self.page.inner_text("[data-step-title]")

    def run(self, expression: str, inputs: dict[str, str] | None = None) -> None:
        """Type an expression, wait for its input fields, fill them, and run it."""
        p = self.page
        p.fill("[data-expression]", expression)
        for name, value in (inputs or {}).items():
            field = p.locator(f'[data-input="{name}"]')
            field.wait_for(timeout=5_000)
            field.fill(value)
        p.click("[data-run]")
        p.wait_for_function("document.body.dataset.status !== 'loading'")
        p.wait_for_function(
            "(e) => window.backprop.store.state.shown?.expression === e", arg=expression
        )

    def shot(self, view: str, focus: str = "[data-panel=graph]") -> Path:
        """Save what the screen shows; on the phone, scrolled so `focus` is at the top."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{view}-{self.name}.png"
        if self.name == "phone" and focus:
            self.page.eval_on_selector(focus, "el => el.scrollIntoView({block: 'start'})")
            self.page.wait_for_timeout(50)
        self.page.screenshot(path=str(path))
        if self.name == "phone":
            self.page.screenshot(path=str(SHOTS / f"{view}-{self.name}-full.png"), full_page=True)
        return path

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in self.allowed)]


def _page(browser, base_url, viewport, name):
    context = browser.new_context(viewport=viewport)
    page = Page(context.new_page(), base_url, name)
    yield page
    errors = page.unexpected_errors()
    context.close()
    assert not errors, f"console errors: {errors}"


@pytest.fixture
def desktop(browser, base_url):
    """A 1280x720 page; the test fails if the page logged a console error it did not expect."""
    yield from _page(browser, base_url, DESKTOP, "desktop")


@pytest.fixture
def phone(browser, base_url):
    yield from _page(browser, base_url, PHONE, "phone")


@pytest.fixture(params=["desktop", "phone"])
def any_page(request, browser, base_url):
    """The same test at 1280x720 and at 390x844."""
    viewport = DESKTOP if request.param == "desktop" else PHONE
    yield from _page(browser, base_url, viewport, request.param)


# -- the page's Content-Security-Policy and Playwright (server/security.py) ---------------------
def _wait_for_function(self, expression, *, arg=None, timeout=None, polling=None):
    """Page.wait_for_function through DevTools: Playwright's own evaluates the predicate with
    the page's `eval`, which the page's Content-Security-Policy (no 'unsafe-eval') refuses;
    `evaluate` goes through DevTools, which the policy does not govern. Same arguments, polls
    every 20 ms, returns the truthy value."""
    limit = 30_000 if timeout is None else timeout
    deadline = time.monotonic() + limit / 1000
    while True:
        value = self.evaluate(expression, arg)
        if value:
            return value
        if limit and time.monotonic() > deadline:
            raise PlaywrightTimeout(f"Timeout {limit:g}ms exceeded waiting for {expression}")
        self.wait_for_timeout(20)


PlaywrightPage.wait_for_function = _wait_for_function


# -- pages of other sizes (lessons: the projector view at 1920x1080 and 1024x768) -------------
@pytest.fixture
def sized_page(browser, base_url):
    """sized_page(width, height, name) -> a Page in its own context; console errors fail."""
    made = []

    def make(width: int, height: int, name: str) -> Page:
        gen = _page(browser, base_url, {"width": width, "height": height}, name)
        made.append(gen)
        return next(gen)

    yield make
    for gen in made:
        next(gen, None)  # closes the context and asserts no unexpected console error


@pytest.fixture
def users(browser, base_url):
    """users(name, phone=False, url=base_url) -> a Page in a browser context of its own (one
    more person: a presenter, a student); each fails the test on an unexpected console error."""
    made = []

    def open_user(name: str, phone: bool = False, url: str | None = None) -> Page:
        context = browser.new_context(viewport=PHONE if phone else DESKTOP)
        page = Page(context.new_page(), url or base_url, name)
        made.append((context, page))
        return page

    yield open_user
    errors = {p.name: p.unexpected_errors() for _, p in made}
    for context, _ in made:
        with contextlib.suppress(Exception):
            context.close()
    assert not any(errors.values()), f"console errors: {errors}"
