"""The page, driven like a learner would: presets, stepping, the panels, errors, permalinks."""

from __future__ import annotations

import re

import pytest

MINUS = "\u2212"


def text_number(s: str) -> float:
    return float(s.strip().replace(MINUS, "-"))


def walk_backward_steps(p) -> list[dict]:
    """From the start, press Next to the end; record each backprop step's op and downstreams."""
    seen = []
    while p.position() < p.last():
        p.page.click('[data-action="next"]')
        if p.page.get_attribute("[data-panel=step]", "data-phase") == "backward":
            body = p.page.locator("[data-step-body]")
            seen.append(
                {
                    "op": body.get_attribute("data-step-op"),
                    "downstream": [
                        d.inner_text() for d in p.page.locator("[data-downstream]").all()
                    ],
                    "position": p.position(),
                }
            )
    return seen


# -- opening and the post's sigmoid ---------------------------------------------------------
def test_opens_with_the_posts_sigmoid(any_page):
    p = any_page
    p.open()
    page = p.page
    assert page.input_value("[data-expression]") == "1/(1+exp(-z))"
    assert page.input_value('[data-input="z"]') == "0"
    assert page.locator("[data-node]").count() == 6
    assert p.position() == 0 and p.last() == 9  # start, 4 forward, 4 backprop, done
    assert "Start" in p.step_title()
    p.shot("start", focus=None)


def test_sigmoid_backprop_reads_025_through_the_four_steps(any_page):
    p = any_page
    p.open()
    page = p.page
    page.select_option("[data-preset]", "sigmoid")  # shown already: it runs again, from step 0
    page.wait_for_function("window.backprop.store.state.status === 'ready'")
    page.click('[data-action="next"]')
    page.click('[data-action="next"]')
    assert "Forward 2/4" in p.step_title() and "exp" in p.step_title()
    p.shot("forward")
    steps = walk_backward_steps(p)
    assert [s["op"] for s in steps] == ["reciprocal", "add", "exp", "negate"]
    # each step is upstream x local = downstream; the last one sends 0.25 to z
    assert steps[-1]["downstream"] == ["0.25"]
    assert page.inner_text('[data-gradient="z"]') == "0.25"
    assert page.text_content('[data-node="n1"] .node-grad') == "grad 0.25"
    assert "Done" in p.step_title()
    p.shot("done", focus="[data-panel=step]")
    # step back: the last backprop step again, with its equation written out
    page.click('[data-action="prev"]')
    assert p.position() == steps[-1]["position"]
    assert "negate" in p.step_title()
    terms = page.locator("[data-product] .term-value").all_inner_texts()
    assert [text_number(t) for t in terms] == [-0.25, -1.0, 0.25]
    labels = page.locator("[data-product] .term-label").all_inner_texts()
    assert [t.lower() for t in labels] == ["upstream", "local gradient", "downstream"]
    assert "upstream -0.25 × local gradient -1 = downstream 0.25" in page.inner_text(
        "[data-narration]"
    )
    p.shot("backprop")


def test_the_first_backprop_step_shows_the_seed_and_a_rendered_formula(desktop):
    p = desktop
    p.open("?expr=1%2F(1%2Bexp(-z))&in.z=0&step=5")
    page = p.page
    assert "Backprop 1/4" in p.step_title() and "reciprocal" in p.step_title()
    assert page.inner_text("[data-upstream] .num") == "1"
    assert page.locator(".local-row .katex").count() == 1  # KaTeX rendered the local gradient
    assert (
        page.locator('[data-edge-grad="e4"].is-shown').count() == 1
    )  # the edge shows its gradient
    assert page.locator('[data-edge="e4"].is-current-backward').count() == 1


# -- fan-out: the post's w1*x + w2*x ------------------------------------------------------
def test_fanout_sums_two_contributions_at_x(any_page):
    p = any_page
    p.open()
    page = p.page
    p.run("w1*x + w2*x", {"w1": "2", "w2": "3", "x": "0"})
    page.keyboard.press("End")
    assert page.inner_text('[data-gradient="x"]') == "5"
    note = page.inner_text("[data-fanout-sum]")
    assert sorted(re.findall(r"\d+", note.split("(")[0])) == ["2", "3"]
    # the step where x's second contribution arrives writes the sum out
    x = page.evaluate("window.backprop.store.state.trace.nodes.find(n => n.name === 'x').id")
    at = page.evaluate(f"window.backprop.store.state.timeline.gradAt.get('{x}')")
    page.evaluate(f"window.backprop.store.goTo({at})")
    box = page.locator(f'[data-fanout="{x}"]')
    assert sorted(
        box.locator("[data-contribution]").all_inner_texts()[i].split()[0] for i in range(2)
    ) == ["2", "3"]
    assert box.locator("[data-fanout-sum]").inner_text().replace(" ", "") in ("2+3=5", "3+2=5")
    # the chain rule panel: two paths, 2 + 3 = 5
    assert page.input_value("[data-chain-input]") == "x"
    assert page.locator(".chain-path").count() == 2
    total = re.sub(r"\s+", "", page.inner_text('[data-chain-total="x"]'))
    assert total.endswith("=5") and ("2+3" in total or "3+2" in total)
    p.shot("fanout", focus="[data-panel=step]")


def test_formulas_use_the_learners_names(any_page):
    """w2*x: the local gradients are x (the learner's x = 0) and w2, never the op's own x, y."""
    p = any_page
    p.open()
    page = p.page
    p.run("w1*x + w2*x", {"w1": "2", "w2": "3", "x": "0"})
    trace = page.evaluate("window.backprop.store.state.trace")
    node = {n["id"]: n for n in trace["nodes"]}
    w2 = next(n for n in trace["nodes"] if n["name"] == "w2")
    x = next(n for n in trace["nodes"] if n["name"] == "x")
    mul = next(n for n in trace["nodes"] if n["op"] == "mul" and w2["id"] in n["inputs"])
    at = page.evaluate(f"window.backprop.store.state.timeline.backwardPos.get('{mul['id']}')")
    page.evaluate(f"window.backprop.store.goTo({at})")
    for e in (e for e in trace["edges"] if e["target"] == mul["id"]):
        src = node[e["source"]]
        card = page.locator(f'[data-edge-card="{e["id"]}"]')
        head = " ".join(card.locator(".edge-card-head").inner_text().split())
        assert head == f"input {src['name']} {src['id']} = {3 if src is w2 else 0}", head
        assert card.locator("[data-at]").inner_text() == "at w2 = 3, x = 0"
        tex = card.locator(".local-row annotation").text_content()
        other = x if src is w2 else w2
        assert tex.endswith(f"\\partial {src['tex']}}} = {other['tex']}"), tex
        assert e["local_formula_named"] == other["tex"]
    p.shot("names", focus="[data-panel=step]")
    # the chain rule for x: w2 is the local gradient of the path through w2*x
    factors = page.locator("[data-panel=chain] .factor annotation").all_text_contents()
    assert w2["tex"] in factors


def test_the_narration_keeps_names_as_typed(desktop):
    p = desktop
    p.open()
    page = p.page
    p.run("w1*x + w2*x", {"w1": "2", "w2": "3", "x": "0"})
    x = page.evaluate("window.backprop.store.state.trace.nodes.find(n => n.name === 'x').id")
    at = page.evaluate(f"window.backprop.store.state.timeline.gradAt.get('{x}')")
    page.evaluate(f"window.backprop.store.goTo({at})")
    narration = page.inner_text("[data-narration]")
    assert "Fan-out: x is used 2 times" in narration
    assert not re.search(r"\bX\b", narration), narration


def test_x_times_x_draws_two_edges(desktop):
    p = desktop
    p.open()
    p.run("x*x", {"x": "3"})
    edges = p.page.locator("[data-edge]")
    assert edges.count() == 2
    src = {edges.nth(i).get_attribute("data-source") for i in range(2)}
    paths = {edges.nth(i).locator("path").get_attribute("d") for i in range(2)}
    assert len(src) == 1 and len(paths) == 2  # one source, two distinct curves
    p.page.keyboard.press("End")
    assert p.page.inner_text('[data-gradient="x"]') == "6"


def test_sigmoid_as_one_node_or_as_its_steps(desktop):
    p = desktop
    p.open()
    page = p.page
    p.run("sigmoid(z)", {"z": "0"})
    assert page.is_visible("[data-sigmoid]")
    assert p.last() == 3  # start, sigmoid forward, sigmoid backprop, done
    page.select_option("[data-sigmoid]", "expanded")
    page.click("[data-run]")
    page.wait_for_function("window.backprop.store.state.timeline.last === 9")
    page.keyboard.press("End")
    assert page.inner_text('[data-gradient="z"]') == "0.25"
    page.wait_for_timeout(300)
    assert "opt.sigmoid=expanded" in page.url


# -- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "source, bad",
    [
        ("1/(1+exq(-z))", "exq"),
        ("y = 2*z\n1/(1+exq(-y))", "exq"),
    ],
)
def test_an_error_underlines_the_span(desktop, source, bad):
    p = desktop
    p.open()
    page = p.page
    page.fill("[data-expression]", source)
    page.click("[data-run]")
    mark = page.locator("mark.error-span")
    mark.wait_for()
    assert mark.inner_text() == bad
    start = int(mark.get_attribute("data-error-span").split("-")[0])
    assert source[start : start + len(bad)] == bad
    assert page.get_attribute("[data-expression]", "aria-invalid") is not None
    assert "exq" in page.inner_text("[data-error]")
    p.shot("error")
    # the suggestion fixes the text and runs it
    page.click('[data-suggestion="exp"]')
    page.wait_for_function("window.backprop.store.state.status === 'ready'")
    assert page.locator("[data-error]").is_hidden()
    assert "exp(" in page.input_value("[data-expression]")


# -- permalink ----------------------------------------------------------------------------
def test_a_permalink_restores_expression_inputs_and_step(browser, desktop):
    p = desktop
    p.open()
    page = p.page
    p.run("h = w*x\nh + exp(x)", {"w": "1.5", "x": "[0.5, -2]"})
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    page.check("[data-check]")
    page.wait_for_function("!!window.backprop.store.state.trace.check")
    page.wait_for_timeout(300)  # the address bar follows after a short delay
    url = page.url
    assert "step=6" in url and "in.x=" in url and "check=1" in url
    title, narration = p.step_title(), page.inner_text("[data-narration]")

    other = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    errors = []
    other.on("console", lambda m: m.type == "error" and errors.append(m.text))
    other.goto(url)
    other.wait_for_selector("body[data-ready]")
    assert other.input_value("[data-expression]") == "h = w*x\nh + exp(x)"
    assert other.input_value('[data-input="w"]') == "1.5"
    assert other.input_value('[data-input="x"]') == "[0.5, -2]"
    assert other.eval_on_selector("[data-timeline-slider]", "el => el.value") == "6"
    assert other.inner_text("[data-step-title]") == title
    assert other.inner_text("[data-narration]") == narration
    assert other.is_checked("[data-check]")
    assert other.locator(".check-row").count() >= 1
    assert not errors
    other.context.close()


# -- keyboard -----------------------------------------------------------------------------
def test_keyboard_only(desktop):
    p = desktop
    p.open()
    page = p.page
    page.locator("[data-graph-stage]").focus()
    page.keyboard.press("End")
    assert p.position() == p.last()
    page.keyboard.press("Home")
    assert p.position() == 0
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert p.position() == 2
    page.keyboard.press("ArrowLeft")
    assert p.position() == 1
    page.keyboard.press("Space")
    assert page.get_attribute('[data-action="play"]', "aria-pressed") == "true"
    page.keyboard.press("Space")
    assert page.get_attribute('[data-action="play"]', "aria-pressed") == "false"
    # keys typed in the editor stay in the editor
    page.focus("[data-expression]")
    page.keyboard.press("End")
    assert p.position() == 1
    # Tab reaches the controls; Enter and Space press them; the slider takes arrows itself
    page.focus('[data-action="next"]')
    page.keyboard.press("Enter")
    assert p.position() == 2
    page.focus("[data-timeline-slider]")
    page.keyboard.press("ArrowRight")
    assert p.position() == 3
    # Ctrl+Enter in the editor runs it
    page.fill("[data-expression]", "2*q")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("window.backprop.store.state.shown?.expression === '2*q'")
    assert page.locator('[data-input="q"]').count() == 1


def test_playing_runs_to_the_end(desktop):
    p = desktop
    p.open("?expr=2*x&in.x=1")
    p.page.click('[data-action="play"]')
    p.page.wait_for_function(
        "window.backprop.store.state.position === window.backprop.store.state.timeline.last",
        timeout=10_000,
    )
    p.page.wait_for_function("!window.backprop.store.state.playing")


# -- tensors, broadcasting, the numerical check ---------------------------------------------
def test_tensors_and_a_broadcast_reduction(any_page):
    p = any_page
    p.open()
    page = p.page
    page.select_option("[data-preset]", "broadcast")
    page.wait_for_function("window.backprop.store.state.trace?.expression?.includes('X @ W')")
    tl = "window.backprop.store.state.timeline"
    # the backprop step of h = X @ W + b: b's gradient is summed over the rows
    pos = page.evaluate(
        f"{tl}.positions.findIndex((q) => q.kind === 'backward' && q.step.op === 'add')"
    )
    page.evaluate(f"window.backprop.store.goTo({pos})")
    note = page.locator("[data-reduction]")
    assert note.count() == 1
    text = note.inner_text()
    assert "summed over axis 0" in text and "2×3" in text and text.count("3") >= 2
    assert page.locator('table.matrix[data-shape="2x3"]').count() >= 2
    assert "axis 0 from shape 2x3 to 3" in page.inner_text("[data-narration]")
    p.shot("tensors", focus="[data-panel=step]")


def test_numerical_check_beside_each_gradient(desktop):
    p = desktop
    p.open("?expr=1%2F(1%2Bexp(-z))&in.z=0&step=8")
    page = p.page
    page.check("[data-check]")
    row = page.locator(".check-row[data-check]")
    row.first.wait_for()
    assert "finite difference" in row.first.inner_text()
    assert page.locator(".check-ok").count() >= 1
    page.keyboard.press("End")
    assert page.locator(".check-ok").count() == 1
    assert "rel. error" in page.inner_text(".check-ok")
    p.shot("check")


def test_the_check_reruns_the_shown_graph_not_the_typed_text(desktop):
    p = desktop
    p.open("?expr=1%2F(1%2Bexp(-z))&in.z=0&step=6")
    page = p.page
    page.fill("[data-expression]", "2*q")
    page.wait_for_timeout(300)  # the live check of the typed text has answered
    with page.expect_request(lambda r: r.url.endswith("/api/graph")) as request:
        page.check("[data-check]")
    body = request.value.post_data_json
    assert body["expression"] == "1/(1+exp(-z))"
    assert body["inputs"] == {"z": 0}
    assert body["check"] is True
    page.locator(".check-row[data-check]").first.wait_for()
    assert p.position() == 6
    assert "Backprop 2/4" in p.step_title() and "add" in p.step_title()
    assert page.locator("[data-node]").count() == 6
    assert page.input_value("[data-expression]") == "2*q"  # what is typed stays typed
    assert page.locator("[data-stale]").is_visible()
    page.wait_for_timeout(300)
    assert "expr=1%2F" in page.url and "check=1" in page.url


def test_a_kink_is_flagged(desktop):
    p = desktop
    p.open("?expr=relu(x)&in.x=0&check=1&step=2")
    page = p.page
    page.locator(".kink-note, .check-kink").first.wait_for()
    assert "kink" in page.inner_text("[data-step-body]")


# -- layout ------------------------------------------------------------------------------
@pytest.mark.parametrize("example", ["sigmoid", "broadcast", "mlp"])
def test_phone_width_has_no_horizontal_overflow(phone, example):
    p = phone
    p.open()
    page = p.page
    page.select_option("[data-preset]", example)
    page.wait_for_function(
        "window.backprop.store.state.trace && !document.querySelector('[data-run][aria-busy]')"
    )
    for key in ["End", "ArrowLeft", "Home"]:
        page.keyboard.press(key)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{example} after {key}: page is {width}px wide"
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    p.shot(f"phone-{example}")


def test_every_example_walks_to_the_end_without_errors(desktop):
    p = desktop
    p.open()
    page = p.page
    ids = page.evaluate("window.backprop.store.state.examples.map(e => e.id)")
    assert ids[0] == "sigmoid"
    for ex in ids:
        page.evaluate(f"window.backprop.store.applyExample('{ex}')")
        page.wait_for_function("window.backprop.store.state.status === 'ready'")
        last = p.last()
        for _ in range(last):
            page.keyboard.press("ArrowRight")
        assert p.position() == last, ex
        assert "Done" in p.step_title()
