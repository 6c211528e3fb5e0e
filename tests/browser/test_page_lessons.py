"""Lessons in the page: the post's lesson paged through with PageDown, the projector view at
1920x1080 and 1024x768, the speaker-notes window following the main one, and the quiz."""

from __future__ import annotations

import pytest

MINUS = "\u2212"


def slide_of(p) -> int:
    return int(p.page.eval_on_selector("[data-slide-list]", "el => Number(el.value)")) + 1


def wait_at(p, slide: int, position: int) -> None:
    p.page.wait_for_function(
        "([s, q]) => Number(document.querySelector('[data-slide-list]').value) === s - 1"
        " && window.backprop.store.state.position === q"
        " && document.body.dataset.status === 'ready'",
        arg=[slide, position],
    )


def press(p, key: str, times: int = 1) -> None:
    for _ in range(times):
        p.page.keyboard.press(key)


def test_post_lesson_pages_through_with_pagedown(desktop):
    p = desktop
    p.open("?lesson=post&slide=1")
    wait_at(p, 1, 0)
    assert p.page.inner_text("[data-slide-title]") == "The sigmoid, one primitive at a time"
    assert p.page.locator("[data-slide-text] .katex").count() >= 2  # the class text's math
    # slide 1: start, 4 forward, 4 backprop, done = positions 0..9
    press(p, "PageDown", 9)
    wait_at(p, 1, 9)
    assert p.page.inner_text('[data-gradient="z"]') == "0.25"
    press(p, "PageDown")  # past the end: the next slide, at its own step (backprop's start)
    wait_at(p, 2, 5)
    p.page.wait_for_function("location.search.startsWith('?lesson=post&slide=2&step=5')")
    press(p, "PageDown", 3)  # reciprocal, add, exp, then negate sends 0.25 to z
    wait_at(p, 2, 8)
    assert p.page.locator("[data-step-body]").get_attribute("data-step-op") == "negate"
    assert [d.inner_text() for d in p.page.locator("[data-downstream]").all()] == ["0.25"]
    press(p, "PageDown", 2)
    wait_at(p, 3, 2)  # the sigmoid as one node: its one backprop step
    assert p.page.inner_text("[data-slide-title]") == "The same sigmoid as one node"
    assert [d.inner_text() for d in p.page.locator("[data-downstream]").all()] == ["0.25"]
    # PageUp steps back, and at the start goes to the previous slide's end
    press(p, "PageUp", 3)
    wait_at(p, 2, 9)
    p.shot("lesson-post")


def test_a_slide_permalink_opens_that_slide_at_that_step(desktop):
    p = desktop
    p.open("?lesson=post&slide=4&step=6")
    wait_at(p, 4, 6)
    assert p.page.inner_text("[data-slide-title]") == "Fan-out: w1*x + w2*x"
    assert p.page.input_value("[data-expression]") == "h = w1*x\ng = w2*x\nf = g + h"
    p.page.select_option("[data-slide-list]", "4")  # slide 5: the numerical check is on
    wait_at(p, 5, 9)
    assert p.page.is_checked("[data-check]")
    p.page.wait_for_selector('[data-check="n1"]')
    # the other presets and the editor still work inside a lesson
    p.run("x*y", {"x": "3", "y": "4"})
    p.page.wait_for_function(
        "location.search.includes('expr=x*y') || location.search.includes('expr=x%2Ay')"
    )
    assert "lesson=post" in p.page.url


@pytest.mark.parametrize("size", [(1920, 1080), (1024, 768)], ids=["1920x1080", "1024x768"])
def test_projector_view_reads_from_the_back_of_the_room(sized_page, size):
    width, height = size
    p = sized_page(width, height, f"{width}x{height}")
    p.open("?lesson=post&slide=2&present=1&step=8")
    wait_at(p, 2, 8)
    page = p.page
    assert page.evaluate("document.body.classList.contains('present')")
    assert not page.is_visible("[data-panel=source]") and not page.is_visible("[data-panel=chain]")
    # no sideways scroll, and the step counter is on screen
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = page.locator("[data-caption-count]").bounding_box()
    assert box and box["x"] + box["width"] <= width and box["y"] + box["height"] <= height
    # every text of every node at 24 CSS px or more: the graph pans instead of shrinking
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('.node text')].map((t) =>
             parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""
    )
    assert sizes and min(sizes) >= 24, sizes
    # the current node (negate) is in view
    cur = page.locator(".node.is-current").bounding_box()
    stage = page.locator("[data-graph-stage]").bounding_box()
    assert stage["x"] <= cur["x"] and cur["x"] + cur["width"] <= stage["x"] + stage["width"]
    nums = page.evaluate(
        """() => [...document.querySelectorAll('.pane-step .num')].map((n) =>
             parseFloat(getComputedStyle(n).fontSize))"""
    )
    assert nums and min(nums) >= (28 if width >= 1920 else 24), nums
    product = page.locator("[data-product] [data-downstream]").bounding_box()
    assert product["y"] + product["height"] <= height  # upstream x local = downstream on screen
    p.shot("projector")
    # the clicker: B blanks and shows again, F asks for full screen without an error
    page.keyboard.press("b")
    assert page.is_visible("[data-blank]")
    page.keyboard.press("b")
    assert not page.is_visible("[data-blank]")
    page.keyboard.press("f")
    # the button leaves the projector view
    page.click('[data-lesson-action="present"]')
    assert not page.evaluate("document.body.classList.contains('present')")
    assert page.is_visible("[data-panel=source]")


def test_numbers_not_reached_stay_hidden_in_the_projector_view(desktop):
    p = desktop
    p.open("?lesson=post&slide=2&present=1&step=5")
    wait_at(p, 2, 5)
    # the chain rule (shown again when the projector view is left) hides what is ahead
    p.page.click('[data-lesson-action="present"]')
    p.page.click('[data-lesson-action="quiz"]')  # the quiz hides them too
    values = p.page.eval_on_selector_all(
        ".factor",
        "els => els.map((e) => getComputedStyle(e.querySelector('.factor-value')).visibility)",
    )
    # seed and reciprocal (the current step, not yet answered) ... all hidden but the seed
    assert values[0] == "visible" and set(values[1:]) == {"hidden"}, values
    assert not p.page.is_visible("[data-chain-total]")


def test_notes_window_follows_the_main_window(desktop):
    p = desktop
    p.open("?lesson=post&slide=2")
    wait_at(p, 2, 5)
    notes = p.page.context.new_page()
    notes.on("console", lambda m: m.type == "error" and p.errors.append(m.text))
    notes.goto(f"{p.base_url}/notes.html")
    notes.wait_for_selector("body[data-ready]")
    notes.wait_for_function("document.body.dataset.position === '5'")
    assert notes.inner_text("[data-notes-lesson]").endswith("slide 2 of 5")
    assert notes.inner_text("[data-notes-slide]") == "Backprop: four local gradients"
    assert "local -1/x^2 at x = 2 is -0.25" in notes.inner_text("[data-notes-body]")
    assert notes.inner_text("[data-notes-numbers]").splitlines() == [
        "upstream 1",
        f"toward add: 1 × {MINUS}0.25 = {MINUS}0.25",
    ]
    assert notes.inner_text("[data-notes-next-phase]") == "Backprop 2/4"
    press(p, "PageDown", 3)
    notes.wait_for_function("document.body.dataset.position === '8'")
    assert notes.inner_text("[data-notes-numbers]").splitlines()[-1] == (
        f"toward z: {MINUS}0.25 × {MINUS}1 = 0.25"
    )
    # the notes window drives the main one: its buttons and the clicker's keys
    notes.click('[data-notes-command="forward"]')
    wait_at(p, 2, 9)
    notes.keyboard.press("PageDown")
    wait_at(p, 3, 2)
    notes.wait_for_function("document.body.dataset.slide === '3'")
    assert notes.inner_text("[data-notes-slide]") == "The same sigmoid as one node"
    notes.set_viewport_size({"width": 760, "height": 720})
    notes.screenshot(path=str(p.shot("notes-main").parent / "notes-window-desktop.png"))
    notes.close()


def answer(p, values: list[str]) -> None:
    fields = p.page.locator("[data-answer]")
    fields.first.wait_for()
    assert fields.count() == len(values)
    for i, v in enumerate(values):
        fields.nth(i).fill(v)
    fields.last.press("Enter")
    p.page.wait_for_selector("[data-quiz-verdict]")


def test_quiz_judges_the_negate_step_and_scores_the_run(desktop):
    p = desktop
    page = p.page
    p.open("?lesson=post&slide=1&quiz=1&step=5")
    wait_at(p, 1, 5)
    # before the answer, nothing gives it away: product, edge label, chain factor, narration
    assert not page.is_visible("[data-product]")
    assert (
        page.evaluate(
            "getComputedStyle(document.querySelector('.edge-grad.is-current')).visibility"
        )
        == "hidden"
    )
    assert "0.25" not in page.inner_text("[data-narration]")
    assert page.evaluate("document.activeElement.dataset.answer") == "e4:local"
    answer(p, ["-0.25", "-1/4"])  # reciprocal: local and downstream
    assert page.get_attribute("[data-quiz-verdict]", "data-quiz-verdict") == "right"
    assert page.is_visible("[data-product]")
    page.keyboard.press("Enter")  # Continue: the focus is on it
    wait_at(p, 1, 6)
    answer(p, ["1", "-0.25"])  # add (the constant 1 gets no question)
    page.keyboard.press("Enter")
    wait_at(p, 1, 7)
    answer(p, ["1", "-0.25"])  # exp
    page.keyboard.press("Enter")
    wait_at(p, 1, 8)
    # negate: the local gradient right, the downstream wrong (it is 0.25)
    answer(p, ["-1", "-0.25"])
    results = page.eval_on_selector_all(
        "[data-quiz-result]", "els => els.map((e) => e.dataset.quizResult)"
    )
    assert results == ["right", "wrong"]
    assert page.get_attribute("[data-quiz-verdict]", "data-quiz-verdict") == "wrong"
    assert page.inner_text("[data-narration]").startswith("Not quite")
    assert "it is 0.25" in page.inner_text("[data-narration]")
    assert [d.inner_text() for d in page.locator("[data-downstream]").all()] == ["0.25"]
    p.shot("quiz-wrong")
    page.keyboard.press("Enter")
    wait_at(p, 1, 9)
    assert page.get_attribute("[data-quiz-score]", "data-quiz-score") == "7/8"
    assert page.eval_on_selector_all(
        "[data-missed]", "els => els.map((e) => e.dataset.missed)"
    ) == ["8"]
    p.shot("quiz-score")
    page.click('[data-missed="8"]')  # back to the missed step, its answer shown
    wait_at(p, 1, 8)
    assert page.is_visible("[data-quiz-verdict]")


def test_quiz_right_answer_at_the_negate_step(desktop):
    p = desktop
    p.open("?lesson=post&slide=1&quiz=downstream&step=8")
    wait_at(p, 1, 8)
    answer(p, ["0.25"])  # downstream only
    assert p.page.get_attribute("[data-quiz-verdict]", "data-quiz-verdict") == "right"
    assert p.page.inner_text("[data-narration]").startswith("Right")
    p.shot("quiz-right")


def test_a_lesson_at_phone_width(phone):
    p = phone
    p.open("?lesson=post&slide=4")
    wait_at(p, 4, 4)
    assert p.page.evaluate("document.documentElement.scrollWidth") <= 390
    assert p.page.is_visible("[data-slide-title]")
    p.shot("lesson", focus="[data-panel=lesson]")
