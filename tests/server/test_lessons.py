"""Lessons: the shipped files through the API (gradients against central differences), the
post's numbers on the right slides, and `lesson check` on broken files (slide number + line)."""

from __future__ import annotations

import numpy as np
import pytest

from server import cli
from server.config import Limits
from server.lessons import SHIPPED, check_text

EPS = 1e-6


def lessons(client) -> list[dict]:
    r = client.get("/api/lessons")
    assert r.status_code == 200
    return r.json()


def test_lessons_list_the_shipped_ones_post_first(client):
    got = lessons(client)
    assert [x["id"] for x in got][:2] == ["post", "cs231n"]
    for lesson in got:
        assert set(lesson) == {"id", "title", "description", "slides"}
        for slide in lesson["slides"]:
            assert set(slide) == {
                "title",
                "expression",
                "inputs",
                "step",
                "notes",
                "text",
                "sigmoid",
                "check",
                "chain",
            }
            assert isinstance(slide["step"], int)
    one = client.get("/api/lessons/post")
    assert one.status_code == 200 and one.json() == got[0]


def test_unknown_lesson_is_404_json(client):
    r = client.get("/api/lessons/nope")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    assert "nope" in r.json()["error"]["message"]


def _post(client, slide: dict, inputs: dict | None = None) -> dict:
    r = client.post(
        "/api/graph",
        json={
            "expression": slide["expression"],
            "inputs": inputs if inputs is not None else slide["inputs"],
            "sigmoid": slide["sigmoid"],
            "check": slide["check"],
        },
    )
    assert r.status_code == 200, r.json()
    return r.json()


def _slides(client):
    return [(x["id"], i + 1, s) for x in lessons(client) for i, s in enumerate(x["slides"])]


def test_every_shipped_slide_runs_and_its_gradients_match_central_differences(client):
    """Each slide through POST /api/graph unchanged; each input element perturbed by +-EPS."""
    cases = _slides(client)
    assert len(cases) >= 9
    for lesson_id, n, slide in cases:
        trace = _post(client, slide)
        assert "warnings" not in trace, (lesson_id, n, trace.get("warnings"))
        for name, grad in trace["gradients"].items():
            base = np.asarray(slide["inputs"][name], dtype=float)
            numeric = np.zeros_like(base)
            for idx in np.ndindex(base.shape):
                outs = []
                for sign in (1, -1):
                    moved = base.copy()
                    moved[idx] += sign * EPS
                    inputs = {**slide["inputs"], name: moved.tolist()}
                    out = _post(client, {**slide, "check": False}, inputs)
                    node = next(x for x in out["nodes"] if x["id"] == out["output"])
                    outs.append(float(np.sum(node["value"])))
                numeric[idx] = (outs[0] - outs[1]) / (2 * EPS)
            assert np.allclose(grad, numeric, rtol=1e-5, atol=1e-7), (lesson_id, n, name)


@pytest.mark.parametrize(
    ("slide", "check"),
    [
        # the expanded sigmoid at z = 0: locals -0.25, 1, 1, -1 in backprop order; dz = 0.25
        (1, lambda t: _locals(t) == [-0.25, 1.0, 1.0, -1.0] and t["gradients"] == {"z": 0.25}),
        (2, lambda t: _locals(t) == [-0.25, 1.0, 1.0, -1.0] and t["gradients"] == {"z": 0.25}),
        # the sigmoid as one node: one step, local 0.25
        (3, lambda t: _locals(t) == [0.25] and t["gradients"] == {"z": 0.25}),
        # w1*x + w2*x at w1 = 2, w2 = 3, x = 0: dx = 3 + 2 = 5
        (
            4,
            lambda t: (
                t["gradients"]["x"] == 5.0
                and [c["value"] for c in t["fanout"][0]["contributions"]] == [3.0, 2.0]
            ),
        ),
        # the numerical check
        (5, lambda t: t["check"]["ok"] and t["gradients"] == {"z": 0.25}),
    ],
)
def test_the_post_lesson_follows_the_post(client, slide, check):
    post = client.get("/api/lessons/post").json()
    assert check(_post(client, post["slides"][slide - 1]))


def _locals(trace: dict) -> list:
    edges = {e["id"]: e for e in trace["edges"]}
    return [edges[s["edges"][-1]]["local"] for s in trace["steps"]]


def test_post_lesson_steps_resolve_to_positions(client):
    post = client.get("/api/lessons/post").json()
    # the sigmoid: start, 4 forward, 4 backprop, done: backprop starts at 5, the end is 9;
    # the fan-out has 3 op nodes, so its backprop starts at 4
    assert [s["step"] for s in post["slides"]] == [0, 5, 2, 4, 9]


def test_cs231n_lesson_goes_from_a_circuit_to_an_mlp(client):
    slides = client.get("/api/lessons/cs231n").json()["slides"]
    first = _post(client, slides[0])
    assert first["gradients"] == {"x": -4.0, "y": -4.0, "z": 3.0}
    neuron = _post(client, slides[1])
    assert np.allclose(
        [neuron["gradients"][k] for k in ("w0", "w1", "w2")], [-0.2, -0.39, 0.2], atol=0.01
    )
    mlp = _post(client, slides[-1])
    assert "cross_entropy" in {n["op"] for n in mlp["nodes"]}


# ---------------------------------------------------------------------------------------------
# lesson check: problems with slide number and line, non-zero exit
# ---------------------------------------------------------------------------------------------
GOOD = 'title = "A"\n\n[[slides]]\ntitle = "one"\nexpression = "x*y"\ninputs = { x = 1, y = 2 }\n'

BROKEN = [
    # (what, text, options, expected lines of the report)
    ("bad TOML", 'title = "A\n', [], ["{f}:1: not valid TOML: Illegal character '\\n'"]),
    (
        "unknown field",
        GOOD
        + '\n[[slides]]\ntitle = "two"\nexpression = "x"\ninputs = { x = 1 }\ncolour = "red"\n',
        [],
        ["{f}:12: slide 2 (two): unknown field 'colour'"],
    ),
    (
        "unknown lesson field",
        'titel = "A"\n' + GOOD[GOOD.index("[[") :],
        [],
        ["{f}: the lesson has no 'title'", "{f}:1: unknown field 'titel'"],
    ),
    (
        "syntax error in a slide's second line",
        GOOD
        + '\n[[slides]]\ntitle = "two"\nexpression = """\nh = x\nf = h +* 2"""\n'
        + "inputs = { x = 1 }\n",
        [],
        ["{f}:12: slide 2 (two): syntax_error: "],
    ),
    (
        "a slide over a limit",
        GOOD
        + '\n[[slides]]\ntitle = "big"\nexpression = "sum(W @ W)"\n'
        + "inputs = { W = [[1, 2], [3, 4]] }\n",
        ["--max-work", "7"],
        ["{f}:10: slide 2 (big): limit_exceeded: "],
    ),
    (
        "a step past the end",
        GOOD.replace("inputs", "step = 12\ninputs"),
        [],
        ["{f}:6: slide 1 (one): step 12 is outside this slide's steps (0 to 3)"],
    ),
    (
        "a missing input",
        GOOD.replace("x = 1, ", ""),
        [],
        ["{f}:5: slide 1 (one): missing_input: "],
    ),
    (
        "an input that is not a number",
        GOOD.replace("x = 1", 'x = "one"'),
        [],
        ["{f}:6: slide 1 (one): input 'x' is not a number"],
    ),
]


@pytest.mark.parametrize(
    ("what", "text", "options", "expected"), BROKEN, ids=[b[0] for b in BROKEN]
)
def test_lesson_check_reports_slide_and_line(tmp_path, capsys, what, text, options, expected):
    path = tmp_path / "broken.toml"
    path.write_text(text)
    code = cli.main(["lesson", "check", str(path), *options])
    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    lines = err.splitlines()
    for want in expected:
        want = want.format(f=path)
        assert any(line.startswith(want) for line in lines), (want, lines)
    assert lines[-1] == f"{path}: {len(lines) - 1} problem(s)"


def test_lesson_check_passes_good_files(tmp_path, capsys):
    path = tmp_path / "good.toml"
    path.write_text(GOOD)
    shipped = sorted(str(p) for p in SHIPPED.glob("*.toml"))
    assert cli.main(["lesson", "check", str(path), *shipped]) == 0
    out, _ = capsys.readouterr()
    assert f"{path}: ok, 1 slide(s): A" in out.splitlines()


def test_a_good_slide_still_runs_when_another_is_malformed():
    text = GOOD + '\n[[slides]]\nexpression = "x"\n\n[[slides]]\ntitle = "c"\nexpression = "q q"\n'
    lesson, problems, _ = check_text(text, Limits(), "f.toml")
    assert lesson is None
    assert [(p.slide, p.line) for p in problems] == [(2, 8), (3, 13)]


def test_serve_refuses_a_lessons_folder_with_problems(tmp_path, capsys):
    (tmp_path / "bad.toml").write_text('title = "A"\n[[slides]]\ntitle = "x"\nexpression = "(("\n')
    assert cli.main(["serve", "--lessons", str(tmp_path)]) == 2
    _, err = capsys.readouterr()
    assert f"{tmp_path / 'bad.toml'}:4: slide 1 (x): syntax_error" in err


def test_an_instructors_folder_is_served_after_the_shipped_lessons(tmp_path, make_client):
    from fastapi.testclient import TestClient

    from server.app import create_app

    (tmp_path / "mine.toml").write_text(GOOD)
    client = TestClient(create_app(Limits(), lessons_dir=tmp_path))
    ids = [x["id"] for x in client.get("/api/lessons").json()]
    assert ids == ["post", "cs231n", "mine"]
    mine = client.get("/api/lessons/mine").json()
    assert mine["slides"][0] == {
        "title": "one",
        "expression": "x*y",
        "inputs": {"x": 1, "y": 2},
        "step": 0,
        "notes": "",
        "text": "",
        "sigmoid": "node",
        "check": False,
        "chain": None,
    }
