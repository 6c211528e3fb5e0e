"""The page's pure logic modules (no DOM), imported in the browser and checked as tables."""

from __future__ import annotations

import json

import pytest

MINUS = "\u2212"


@pytest.fixture(scope="module")
def js(browser, base_url):
    """Call a function of a static/js/logic module: js('format.js', 'formatNumber', 0.25)."""
    page = browser.new_page()
    page.goto(f"{base_url}/css/app.css")  # same origin, no app running

    def call(module: str, fn: str, *args):
        return page.evaluate(
            "async ([m, f, a]) => (await import(`/js/logic/${m}`))[f](...a)",
            [module, fn, list(args)],
        )

    yield call
    page.close()


@pytest.mark.parametrize(
    "value, text",
    [
        (0.25, "0.25"),
        (-0.25, f"{MINUS}0.25"),
        (-0.0, "0"),
        (1, "1"),
        (5.0, "5"),
        (0.7310585786300049, "0.7311"),
        (0.25000000000000006, "0.25"),
        (123456.7, "1.235e5"),
        (1e-7, f"1e{MINUS}7"),
        ("NaN", "NaN"),
        ("Infinity", "\u221e"),
        ("-Infinity", f"{MINUS}\u221e"),
    ],
)
def test_format_number(js, value, text):
    assert js("format.js", "formatNumber", value) == text


@pytest.mark.parametrize(
    "text, ok, value",
    [
        ("0", True, 0),
        ("-1.5e3", True, -1500),
        ("nan", True, "NaN"),
        ("-inf", True, "-Infinity"),
        ("[1, 2]", True, [1, 2]),
        ("[[1, NaN], [Infinity, -Infinity]]", True, [[1, "NaN"], ["Infinity", "-Infinity"]]),
        ("[[1, 2], [3]]", False, None),
        ("[]", False, None),
        ("abc", False, None),
        ("", False, None),
    ],
)
def test_parse_input_text(js, text, ok, value):
    r = js("inputs.js", "parseInputText", text)
    assert r["ok"] is ok
    if ok:
        assert r["value"] == value


@pytest.mark.parametrize(
    "text, span, start, end",
    [
        ("1/(1+exq(-z))", [1, 5, 1, 8], 5, 8),
        ("y = 2*z\n1/(1+exq(-y))", [2, 5, 2, 8], 13, 16),
        ("\u00e9 = 1\nbad(\u00e9)", [2, 0, 2, 3], 6, 9),  # columns are UTF-8 bytes, as Python's ast
        ("a = \u00e9 + q(", [1, 8, 1, 9], 7, 8),
        ("x +", [1, 3, 1, 3], 3, 3),  # a zero-width span at the very end stays where it is
    ],
)
def test_span_to_offsets(js, text, span, start, end):
    assert js("spans.js", "spanToOffsets", text, span) == {"start": start, "end": end}


def test_url_state_round_trip(js):
    state = {
        "expression": "h = w*x\nh + exp(x)",
        "inputs": {"w": "1.5", "x": "[0.5, -2]"},
        "position": 6,
        "check": True,
        "chain": "x",
        "options": {"sigmoid": "expanded"},
    }
    query = js("urlstate.js", "encodeState", state)
    assert "step=6" in query and "in.x=" in query
    assert js("urlstate.js", "decodeState", query) == state
    assert js("urlstate.js", "decodeState", "step=3") is None


@pytest.mark.parametrize(
    "t, factor, px, py, want",
    [
        ({"k": 1, "x": 0, "y": 0}, 2, 100, 50, {"k": 2, "x": -100, "y": -50}),
        ({"k": 1, "x": 10, "y": 10}, 0.5, 0, 0, {"k": 0.5, "x": 5, "y": 5}),
    ],
)
def test_zoom_keeps_the_point_under_the_cursor(js, t, factor, px, py, want):
    assert js("viewport.js", "zoomAt", t, factor, px, py) == want


def test_timeline_and_chain_rule_on_a_real_trace(js, base_url):
    import urllib.request

    req = urllib.request.Request(
        f"{base_url}/api/graph",
        method="POST",
        data=json.dumps(
            {"expression": "w1*x + w2*x", "inputs": {"w1": 2, "w2": 3, "x": 0}}
        ).encode(),
        headers={"Content-Type": "application/json"},
    )
    trace = json.load(urllib.request.urlopen(req))
    x = next(n["id"] for n in trace["nodes"] if n["name"] == "x")
    chain = js("chain.js", "chainRule", trace, x)
    assert chain["count"] == 2 and chain["scalar"]
    assert sorted(chain["products"]) == [2, 3] and chain["total"] == 5 == chain["grad"]
    assert [f["title"] for f in chain["paths"][0]] == ["add", "mul"]  # op keys without /api/ops
    # positions: start, 3 forward ops, 3 backprop steps, done
    kinds = js("timeline.js", "buildTimeline", trace)
    # Maps do not cross into Python; check the plain parts
    assert [p["kind"] for p in kinds["positions"]] == (
        ["start"] + ["forward"] * 3 + ["backward"] * 3 + ["done"]
    )
    assert kinds["last"] == 7 and kinds["backwardStart"] == 4
