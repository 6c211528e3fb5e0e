"""A live class in Chromium: a presenter's page and students' pages on one session (docs/api.md,
"Live sessions"). The presenter starts from the page; students open the join link."""

from __future__ import annotations

import httpx
from servers import serving

#: Milliseconds a page may take to show a change (a hang guard on a busy machine; the benchmark
#: measures the real delay: bench/bench_live.py).
FOLLOW_MS = 5_000


def start_session(page) -> str:
    page.open()
    page.page.click("[data-action=live-start]")
    page.page.wait_for_selector("[data-live]:not([hidden]) [data-live-code]:not(:empty)")
    assert page.page.is_hidden("[data-action=live-start]")
    return page.page.inner_text("[data-live-code]")


def join(page, code: str) -> None:
    page.open(f"?join={code}")
    page.page.wait_for_selector("[data-live-status][data-connection=open]")


def wait_position(page, position: int) -> None:
    page.page.wait_for_function(
        "(p) => Number(document.querySelector('[data-timeline-slider]').value) === p",
        arg=position,
        timeout=FOLLOW_MS,
    )


def wait_version(page, version: int) -> None:
    """The page has received the session's change number `version`."""
    page.page.wait_for_function(
        "(v) => window.backprop.live.state.remote?.version >= v", arg=version, timeout=FOLLOW_MS
    )


def version(page) -> int:
    return page.page.evaluate("window.backprop.live.state.remote.version")


def test_a_student_follows_explores_and_follows_again(users):
    presenter = users("desktop")
    code = start_session(presenter)
    assert presenter.page.url.endswith(f"?join={code}#presenter=" + presenter.page.url[-32:])
    student = users("phone", phone=True)
    join(student, code)
    assert student.page.inner_text("[data-live-role]") == "Following the presenter"
    assert student.page.input_value("[data-expression]") == "1/(1+exp(-z))"

    for _ in range(3):
        presenter.page.keyboard.press("ArrowRight")
        wait_position(student, presenter.position())
    presenter.shot("live-presenter", focus="[data-live]")
    student.shot("live-student", focus="[data-live]")

    # another graph: the student's page runs it and lands on the presenter's step
    presenter.run("x*y + x", {"x": "2", "y": "-3"})
    presenter.page.keyboard.press("End")
    wait_position(student, presenter.last())
    student.page.wait_for_function("window.backprop.store.state.shown?.expression === 'x*y + x'")
    assert student.page.input_value('[data-input="y"]') == "-3"

    # exploring: the presenter's next change arrives, the student's step stays
    student.page.click("[data-action=live-explore]")
    assert student.page.inner_text("[data-live-role]") == "Exploring on my own"
    student.page.keyboard.press("Home")
    presenter.page.keyboard.press("ArrowLeft")
    wait_version(student, version(presenter))
    assert student.position() == 0

    # following again: straight to the presenter's state
    student.page.click("[data-action=live-follow]")
    wait_position(student, presenter.position())
    assert student.page.inner_text("[data-live-role]") == "Following the presenter"


def test_a_poll_answered_right_and_wrong_gives_a_histogram_of_two(users):
    presenter = users("desktop")
    code = start_session(presenter)
    # the sigmoid's first backprop step: reciprocal, upstream 1, downstream to add = -0.25
    presenter.page.keyboard.press("End")
    presenter.page.keyboard.press("ArrowLeft")
    presenter.page.keyboard.press("ArrowLeft")
    presenter.page.keyboard.press("ArrowLeft")
    presenter.page.keyboard.press("ArrowLeft")
    assert presenter.step_title().startswith("Backprop 1/4")
    students = [users("phone", phone=True), users("phone-2", phone=True)]
    for s in students:
        join(s, code)
        wait_position(s, presenter.position())

    options = presenter.page.eval_on_selector_all(
        "[data-live-ask-select] option", "els => els.map(e => e.value + ' ' + e.textContent)"
    )
    choice = next(o.split()[0] for o in options if "downstream" in o)
    presenter.page.select_option("[data-live-ask-select]", choice)
    presenter.page.click("[data-action=live-ask]")
    for s, value in zip(students, ["-0.25", "0.25"]):
        s.page.wait_for_selector("[data-live-answer]")
        # the numbers that answer the poll are hidden until the reveal
        assert s.page.evaluate("document.body.dataset.liveHide") == "poll"
        s.page.fill("[data-live-answer]", value)
        s.page.click("[data-action=live-answer]")
        s.page.wait_for_selector("[data-live-sent]:text('Sent')")
    students[0].shot("live-poll-student", focus="[data-live]")
    presenter.page.wait_for_selector("[data-live-count]:text('2 answers so far')")
    presenter.page.click("[data-action=live-reveal]")

    presenter.page.wait_for_selector("[data-live-histogram]")
    bars = presenter.page.eval_on_selector_all(
        "[data-live-histogram] [data-bar]", "els => els.map(e => [e.dataset.bar, e.dataset.right])"
    )
    assert bars == [["-0.25", "true"], ["0.25", "false"]]
    assert presenter.page.inner_text("[data-live-share]").startswith("1 of 2 right (50%)")
    presenter.shot("live-reveal-presenter", focus="[data-live]")
    verdicts = []
    for s in students:
        s.page.wait_for_selector("[data-live-verdict][data-right]")
        verdicts.append(s.page.get_attribute("[data-live-verdict]", "data-right"))
        assert s.page.evaluate("document.body.dataset.liveHide") == ""
    assert verdicts == ["true", "false"]
    students[1].shot("live-reveal-student", focus="[data-live]")


def test_an_unknown_join_code_says_so_and_shows_the_explorer(users):
    student = users("phone", phone=True)
    student.allowed.append("status of 404")
    student.open("?join=ZZZZZZ")
    assert "no live session ZZZZZZ" in student.page.inner_text("[data-live-message]")
    assert student.page.input_value("[data-expression]") != ""


def test_a_full_session_refuses_a_student_who_retries_and_gets_in(users, tmp_path):
    with serving("--max-session-streams", "1", log=tmp_path / "server.log") as url:
        made = httpx.post(f"{url}/api/sessions").json()
        first = users("phone-0", phone=True, url=url)
        second = users("phone-1", phone=True, url=url)
        join(first, made["id"])
        second.allowed.append("status of 503")
        second.open(f"?join={made['id']}")
        second.page.wait_for_selector("[data-live-status][data-connection=refused]")
        message = second.page.inner_text("[data-live-message]")
        assert message.startswith("The server is busy (too many students connected)")
        assert "Trying again in" in message
        # the page still shows the session's graph, from GET /api/sessions/{id}
        assert second.page.input_value("[data-expression]") == "1/(1+exp(-z))"
        second.shot("live-refused", focus="[data-live]")
        first.page.context.close()  # a seat frees up: the retry gets in
        second.page.wait_for_selector("[data-live-status][data-connection=open]", timeout=60_000)
        assert second.page.inner_text("[data-live-message]") == "Connected again."


def test_a_lesson_taught_live_moves_the_students_slide(users):
    presenter = users("desktop")
    presenter.open("?lesson=post&slide=1")
    lesson = httpx.get(f"{presenter.base_url}/api/lessons/post").json()
    presenter.page.click("[data-action=live-start]")
    presenter.page.wait_for_selector("[data-live]:not([hidden]) [data-live-code]:not(:empty)")
    code = presenter.page.inner_text("[data-live-code]")
    student = users("phone", phone=True)
    join(student, code)
    first, second = lesson["slides"][0], lesson["slides"][1]
    assert student.page.inner_text("[data-slide-title]") == first["title"]
    assert student.page.is_visible('[data-panel="lesson"]')

    # the presenter's next slide: the student's slide bar and graph follow
    presenter.page.click('[data-lesson-action="next-slide"]')
    student.page.wait_for_function(
        "(t) => document.querySelector('[data-slide-title]').textContent === t",
        arg=second["title"],
        timeout=FOLLOW_MS,
    )
    student.page.wait_for_function(
        "(e) => window.backprop.store.state.shown?.expression === e",
        arg=second["expression"],
        timeout=FOLLOW_MS,
    )
    state = httpx.get(f"{presenter.base_url}/api/sessions/{code}").json()
    assert (state["lesson"], state["slide"]) == ("post", 2)
    assert state["expression"] == second["expression"]
    wait_position(student, presenter.position())
    student.shot("live-student-lesson")


def test_the_join_link_stays_in_the_address_after_a_step_just_before_starting(users):
    presenter = users("desktop")
    presenter.open()
    # a step schedules the permalink's update; the session starts before it is written
    presenter.page.keyboard.press("ArrowRight")
    presenter.page.click("[data-action=live-start]")
    presenter.page.wait_for_selector("[data-live]:not([hidden]) [data-live-code]:not(:empty)")
    code = presenter.page.inner_text("[data-live-code]")
    presenter.page.wait_for_timeout(400)  # past the permalink's delay (main.js URL_DELAY_MS)
    assert f"?join={code}#presenter=" in presenter.page.url
