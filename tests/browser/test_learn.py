"""Gradient descent and forward mode on the page, clicked as a learner would."""

from __future__ import annotations

import pytest
from test_accessibility import AXE, axe_violations
from test_page import text_number


def open_preset(p, preset: str) -> None:
    p.open()
    p.page.select_option("[data-preset]", preset)
    # the preset's own graph is shown (not the first one's, still 'ready' for a moment)
    p.page.wait_for_function(
        """(id) => {
          const s = window.backprop.store.state;
          const ex = s.examples.find((e) => e.id === id);
          return s.status === 'ready' && s.shown?.expression === ex.expression;
        }""",
        arg=preset,
    )


def test_update_applies_the_golden_step_and_reruns_the_graph(any_page):
    p = any_page
    open_preset(p, "line-fit")
    page = p.page
    assert page.is_checked('[data-train-param="w"]') and page.is_checked('[data-train-param="b"]')
    assert not page.is_checked('[data-train-param="x"]')
    assert page.input_value("[data-train-lr]") == "0.05"
    where = (
        "() => [...document.querySelectorAll('[data-node]')]"
        ".map((g) => [g.dataset.node, g.getAttribute('transform')])"
    )
    before = page.evaluate(where)
    page.click("[data-train-update]")
    page.wait_for_selector('[data-train-eq="w"]')
    assert page.inner_text('[data-train-eq="w"]') == "w \u2190 3 \u2212 0.05 \u00d7 (\u22128) = 3.4"
    assert page.inner_text('[data-train-eq="b"]') == "b \u2190 1 \u2212 0.05 \u00d7 (\u22124) = 1.2"
    assert page.inner_text("[data-train-update-loss]") == "1"
    # the graph ran again with the new values: the inputs and the gradients changed in place
    page.wait_for_function("document.querySelector('[data-input=\"w\"]').value === '3.4'")
    page.wait_for_function("window.backprop.store.state.status === 'ready'")
    assert page.input_value('[data-input="b"]') == "1.2"
    grads = page.evaluate("window.backprop.store.state.trace.gradients")
    assert grads["w"] == pytest.approx(-4.0) and grads["b"] == pytest.approx(-2.0)
    assert page.evaluate(where) == before  # the layout does not jump
    p.shot("train-update", focus="[data-panel=train]")


def test_successive_updates_continue_one_momentum_run(desktop):
    """Momentum's velocity carries over: two Updates land where a 2-step run does."""
    p = desktop
    open_preset(p, "line-fit")
    page = p.page
    page.select_option("[data-train-optimizer]", "momentum")
    for step in (1, 2):
        page.click("[data-train-update]")
        page.wait_for_selector(f'[data-train-update-step="{step}"]')
        page.wait_for_function("window.backprop.store.state.status === 'ready'")
    body = page.evaluate(
        """() => fetch('/api/train', {method: 'POST', headers: {'Content-Type':
        'application/json'}, body: JSON.stringify({expression: 'loss = (w*x + b - 9)**2',
        inputs: {x: 2, w: 3, b: 1}, params: ['w', 'b'], lr: 0.05, steps: 2,
        optimizer: 'momentum'})}).then((r) => r.json())"""
    )
    shown = page.evaluate("window.backprop.store.state.shown.inputs")
    assert float(shown["w"]) == pytest.approx(body["inputs"]["w"])
    assert float(shown["b"]) == pytest.approx(body["inputs"]["b"])
    # SGD would give 3.4 - 0.05 * (-4) = 3.6; momentum adds 0.9 * 8 * 0.05
    assert float(shown["w"]) == pytest.approx(3.4 + 0.05 * (4 + 0.9 * 8))
    assert "momentum" in page.inner_text("[data-train-update-step]").lower()


def test_train_20_steps_draws_the_loss_curve(any_page):
    p = any_page
    open_preset(p, "line-fit")
    page = p.page
    page.fill("[data-train-steps]", "20")
    page.click("[data-train-run]")
    page.wait_for_selector("[data-train-result]:not([hidden])")
    assert page.inner_text("[data-train-steps-run]") == "20"
    assert page.locator("[data-train-chart] canvas").count() == 1
    assert page.locator("[data-train-paths] canvas").count() == 1  # two scalar parameters
    shown = text_number(page.inner_text("[data-train-final-loss]"))
    body = page.evaluate(
        """() => fetch('/api/train', {method: 'POST', headers: {'Content-Type':
        'application/json'}, body: JSON.stringify({expression: 'loss = (w*x + b - 9)**2',
        inputs: {x: 2, w: 3, b: 1}, params: ['w', 'b'], lr: 0.05, steps: 20})})
        .then((r) => r.json())"""
    )
    assert shown == pytest.approx(body["losses"][-1], rel=1e-3)
    assert shown < 1e-3
    # step back through the history and open step 1's graph
    page.fill("[data-train-at]", "1")
    page.dispatch_event("[data-train-at]", "input")
    assert page.inner_text("[data-train-step-text]").startswith("step 1: loss 1")
    p.shot("train-curve", focus="[data-panel=train]")
    page.click("[data-train-open]")
    page.wait_for_function("document.querySelector('[data-input=\"w\"]').value === '3.4'")


def test_a_diverging_run_is_shown_with_its_step(desktop):
    p = desktop
    open_preset(p, "line-fit")
    page = p.page
    page.fill("[data-train-lr]", "5")
    page.fill("[data-train-steps]", "200")
    page.click("[data-train-run]")
    page.wait_for_selector("[data-train-diverged]:not([hidden])")
    assert page.inner_text("[data-train-diverged]").startswith("Diverged at step ")
    p.shot("train-diverged", focus="[data-panel=train]")


def test_the_mlp_preset_trains(desktop):
    p = desktop
    open_preset(p, "mlp-train")
    page = p.page
    page.click("[data-train-run]")
    page.wait_for_selector("[data-train-result]:not([hidden])")
    assert page.inner_text("[data-train-steps-run]") == "50"
    assert text_number(page.inner_text("[data-train-final-loss]")) < 0.05
    assert page.locator("[data-train-paths]").is_hidden()  # tensors: the loss curve only
    p.shot("train-mlp", focus="[data-panel=train]")


def test_forward_mode_on_the_sigmoid_reads_025(any_page):
    p = any_page
    p.open()
    page = p.page
    page.click('[data-mode="forward"]')
    page.wait_for_selector("[data-panel=forward]:not([hidden])")
    page.wait_for_function("window.backprop.store.state.forward.timeline !== null")
    assert page.input_value("[data-forward-input]") == "z"
    assert page.locator("[data-panel=step]").is_hidden()
    equations = []
    for _ in range(4):
        page.click('[data-forward-action="next"]')
        equations.append(page.inner_text("[data-fwd-equation]"))
    assert equations[0] == "tangent_out = (\u22121) \u00d7 1 = \u22121"
    assert equations[-1] == "tangent_out = (\u22120.25) \u00d7 (\u22121) = 0.25"
    p.shot("forward-step", focus="[data-panel=forward]")
    page.click('[data-forward-action="next"]')
    assert page.inner_text("[data-fwd-tangent]") == "0.25"
    line = page.inner_text("[data-fwd-compare]")
    assert "reverse mode gave all 1 input gradient in one pass" in line
    assert "1 forward pass" in line and "1 backward pass" in line
    p.shot("forward-done", focus="[data-panel=forward]")
    page.click('[data-mode="reverse"]')
    assert page.locator("[data-panel=forward]").is_hidden()
    assert page.locator("[data-panel=step]").is_visible()


def test_the_panels_pass_axe_and_forward_mode_steps_with_the_keys(desktop):
    if not AXE.is_file():
        pytest.skip("node_modules/axe-core is missing: run npm ci")
    p = desktop
    open_preset(p, "line-fit")
    page = p.page
    page.click("[data-train-run]")
    page.wait_for_selector("[data-train-result]:not([hidden])")
    page.click("[data-train-update]")
    page.wait_for_selector('[data-train-eq="w"]')
    assert axe_violations(page) == []
    page.click('[data-mode="forward"]')
    page.wait_for_function("window.backprop.store.state.forward.timeline !== null")
    page.focus("[data-graph-stage]")
    page.keyboard.press("End")
    assert page.inner_text("[data-fwd-tangent]") == text_number_str(page)
    page.keyboard.press("ArrowLeft")
    assert page.is_visible("[data-fwd-equation]")
    assert axe_violations(page) == []


def text_number_str(page) -> str:
    """The reverse-mode gradient along the chosen input, as the page writes numbers."""
    name = page.input_value("[data-forward-input]")
    return page.evaluate(
        "(n) => String(window.backprop.store.state.trace.gradients[n]).replace('-', '\u2212')",
        name,
    )
