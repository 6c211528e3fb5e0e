"""Contrast, names and roles, checked by axe-core (npm, dev dependency) at each kind of view."""

from __future__ import annotations

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[str]:
    # evaluated through DevTools: the page's Content-Security-Policy refuses a <script> added
    # inline, as add_script_tag does
    page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate("""async () => {
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) =>
        `${v.id} (${v.impact}): ${v.help} -- ${v.nodes.slice(0, 3).map((n) => n.target)}`);
    }""")
    return result


@pytest.mark.parametrize(
    "query",
    [
        "?expr=1%2F(1%2Bexp(-z))&in.z=0",  # start
        "?expr=1%2F(1%2Bexp(-z))&in.z=0&step=2",  # forward
        "?expr=1%2F(1%2Bexp(-z))&in.z=0&step=8&check=1",  # backprop with the numerical check
        "?expr=h%20%3D%20w1*x%0Ah%20%2B%20w2*x&in.w1=2&in.w2=3&in.x=0&step=9",  # done, a fan-out
        # tensors
        "?expr=sum(X%20*%20b)&in.X=%5B%5B1%2C-2%5D%2C%5B3%2C4%5D%5D&in.b=%5B0.5%2C-1%5D&step=3",
        # lessons: a slide, the projector view, the quiz waiting for an answer and at its score
        "?lesson=post&slide=2",
        "?lesson=post&slide=2&present=1&step=8",
        "?lesson=post&slide=1&quiz=1&step=8",
        "?lesson=cs231n&slide=4&quiz=1&step=13",
    ],
)
def test_no_axe_violations(any_page, query):
    if not AXE.is_file():
        pytest.skip("node_modules/axe-core is missing: run npm ci")
    any_page.open(query)
    assert axe_violations(any_page.page) == []


def test_no_axe_violations_with_an_error_shown(desktop):
    desktop.open()
    desktop.page.fill("[data-expression]", "1/(1+exq(-z))")
    desktop.page.click("[data-run]")
    desktop.page.locator("mark.error-span").wait_for()
    assert axe_violations(desktop.page) == []
