"""What the source panel shows describes the text and the fields as they are now: no error,
underline, warning or field message left over from an earlier text."""

from __future__ import annotations


def test_a_run_error_goes_away_when_the_text_changes(desktop):
    p = desktop
    p.open()
    page = p.page
    page.fill("[data-expression]", "θ * x + foo(y)")
    page.click("[data-run]")
    page.locator("mark.error-span").wait_for()
    assert "unknown function 'foo'" in page.inner_text("[data-error]")
    page.fill("[data-expression]", "a * b")
    assert page.locator("[data-error]").is_hidden()
    # and still after the live check of the new text has answered
    page.locator('[data-input="b"]').wait_for()
    page.wait_for_timeout(100)
    assert page.locator("[data-error]").is_hidden()
    assert page.locator("mark.error-span").count() == 0
    assert page.get_attribute("[data-expression]", "aria-invalid") is None
    p.shot("error-cleared", focus="[data-panel=source]")


def test_warnings_about_the_shown_graph_go_when_the_text_changes(desktop):
    p = desktop
    p.open()
    page = p.page
    p.run("log(x)", {"x": "0"})
    warnings = page.locator("[data-warnings]")
    assert "gives -Infinity" in warnings.inner_text()
    # a new text with its own error: only that error is shown
    page.fill("[data-expression]", "log(x) + foo(x)")
    page.click("[data-run]")
    page.locator("mark.error-span").wait_for()
    assert warnings.is_hidden()
    assert "foo" in page.inner_text("[data-error]")
    # back to the text the graph shows: its warnings are true again
    page.fill("[data-expression]", "log(x)")
    page.wait_for_function("!document.querySelector('[data-warnings]').hidden")
    assert page.locator("[data-error]").is_hidden()


def test_a_field_message_follows_the_field_text(desktop):
    p = desktop
    p.open()
    page = p.page
    page.fill("[data-expression]", "(x+y)*z")
    page.locator('[data-input="z"]').wait_for()
    page.fill('[data-input="x"]', "abc")
    page.click("[data-run]")
    assert "not a number" in page.inner_text('[data-input-error="x"]')
    assert "not numbers" in page.inner_text("[data-error]")
    # the same fields get new texts from a preset: no message about the old text stays
    page.select_option("[data-preset]", "cs231n-simple")
    page.wait_for_function("window.backprop.store.state.status === 'ready'")
    assert page.input_value('[data-input="x"]') == "-2"
    assert page.inner_text('[data-input-error="x"]') == ""
    assert page.get_attribute('[data-input="x"]', "aria-invalid") is None
    assert page.locator("[data-error]").is_hidden()


def test_fixing_a_field_takes_the_run_error_about_it_away(desktop):
    p = desktop
    p.open()
    page = p.page
    page.fill('[data-input="z"]', "zero")
    page.click("[data-run]")
    assert "not numbers" in page.inner_text("[data-error]")
    page.fill('[data-input="z"]', "0")
    assert page.locator("[data-error]").is_hidden()
    assert page.inner_text('[data-input-error="z"]') == ""


def test_typing_an_erroneous_expression_logs_no_console_error(desktop):
    p = desktop
    p.open()
    page = p.page
    requests = []
    page.on("request", lambda r: "/api/" in r.url and requests.append(r.url))
    page.fill("[data-expression]", "")
    page.locator("[data-expression]").press_sequentially("θ * x + foo(y)", delay=10)
    # the live check underlines without a Run
    page.wait_for_function("document.querySelector('mark.error-span')?.textContent === 'foo'")
    assert any(u.endswith("/api/diagnose") for u in requests)
    assert not [u for u in requests if u.endswith("/api/graph")]
    # the fixture fails the test on any console error, e.g. a logged 422
