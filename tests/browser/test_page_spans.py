"""Spans land on the right characters after non-ASCII names (columns are code points; the page's
side of tests/cases/spans.json is tests/node/spans.test.mjs)."""

from __future__ import annotations


def run_error(p, expression: str):
    """Type an expression with an error and press Run; return the underline."""
    p.page.fill("[data-expression]", expression)
    p.page.click("[data-run]")
    mark = p.page.locator("mark.error-span")
    mark.wait_for()
    return mark


def test_the_underline_after_a_greek_name_is_exactly_the_bad_name(desktop):
    p = desktop
    p.open()
    mark = run_error(p, "θ * x + foo(y)")
    assert mark.inner_text() == "foo"
    assert mark.get_attribute("data-error-span") == "8-11"
    assert "unknown function 'foo'" in p.page.inner_text("[data-error]")
    p.shot("error-theta")


def test_a_missing_end_of_line_is_marked_at_the_end_of_the_line(desktop):
    p = desktop
    p.open()
    mark = run_error(p, "θθ * x +")
    # nothing to cover: a one-space mark right after the last character
    assert mark.get_attribute("data-error-span") == "8-8"
    assert mark.text_content() == " "
    before = mark.evaluate("m => m.previousSibling.textContent")
    assert before == "θθ * x +"


def test_stepping_highlights_the_current_node_after_a_greek_name(desktop):
    p = desktop
    p.open()
    p.run("θ * x + y", {"θ": "1", "x": "2", "y": "3"})
    p.page.keyboard.press("ArrowRight")  # forward 1: the multiply
    focus = p.page.locator("mark.source-focus")
    assert focus.inner_text() == "θ * x"
    p.page.keyboard.press("ArrowRight")  # forward 2: the add, the whole line
    assert focus.inner_text() == "θ * x + y"
    p.shot("source-focus-theta", focus="[data-panel=source]")


def test_the_highlight_covers_a_whole_cjk_expression(desktop):
    p = desktop
    p.open()
    p.run("变量 + x", {"变量": "1", "x": "2"})
    p.page.keyboard.press("ArrowRight")
    assert p.page.get_attribute("[data-panel=step]", "data-phase") == "forward"
    assert p.page.locator("mark.source-focus").inner_text() == "变量 + x"


def test_a_suggestion_replaces_exactly_the_bad_name(desktop):
    p = desktop
    p.open()
    run_error(p, "θ * x + expp(x)")
    p.page.click('[data-suggestion="exp"]')
    p.page.wait_for_function("window.backprop.store.state.status === 'ready'")
    assert p.page.input_value("[data-expression]") == "θ * x + exp(x)"
    assert p.page.locator("[data-error]").is_hidden()
    assert p.page.locator("mark.error-span").count() == 0
