"""/openapi.json tells the truth: every answer matches its declared model, every method its Allow
header, and Schemathesis, run against a live server with all its checks, finds nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import TypeAdapter
from servers import serving

from server import schemas
from server.config import MAX_EXPRESSION_CHARS, Limits
from server.examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
JSON = {"content-type": "application/json"}


# -- every answer matches its model -----------------------------------------------------------
def graph(expression: str, inputs: dict | None = None, **options) -> tuple:
    body = {"expression": expression, "inputs": inputs or {}, **options}
    return ("POST", "/api/graph", body, 200, schemas.GraphResponse)


CHECK = schemas.CheckResponse
ANSWERS = [
    *(graph(e["expression"], e["inputs"], check=True, **e.get("options", {})) for e in EXAMPLES),
    graph("sigmoid(x)", {"x": 0}, sigmoid="expanded"),
    graph("log(x) + sqrt(-x) + 1e999", {"x": [0, "NaN", "Infinity"]}),  # non-finite values
    graph("sum(X @ W + b)", {"X": [[1, 2]], "W": [[1], [2]], "b": [3]}),  # a reduction
    graph("cross_entropy(x, [1])", {"x": [[1, 2]]}, check=True),  # an input with no rule
    graph("2 * 3"),  # no input: nothing to backpropagate, a warning
    ("POST", "/api/check", {"expression": "relu(x)", "inputs": {"x": 0}}, 200, CHECK),
    ("POST", "/api/parse", {"expression": "h = w1*x; tanh(h) + pi"}, 200, schemas.ParseResponse),
    ("POST", "/api/diagnose", {"expression": "h = w1*x"}, 200, schemas.DiagnoseResponse),
    ("POST", "/api/diagnose", {"expression": "tahn(x)"}, 200, schemas.DiagnoseResponse),
    ("POST", "/api/diagnose", {"expression": "x" * 100_001}, 200, schemas.DiagnoseResponse),
    ("GET", "/api/examples", None, 200, list[schemas.Example]),
    ("GET", "/api/ops", None, 200, list[schemas.OpInfo]),
    ("GET", "/api/limits", None, 200, schemas.LimitsResponse),
    ("GET", "/healthz", None, 200, schemas.Health),
    ("POST", "/api/graph", b"{", 400, schemas.ErrorResponse),
    ("GET", "/api/nothing", None, 404, schemas.ErrorResponse),
    ("PUT", "/api/graph", None, 405, schemas.ErrorResponse),
    ("POST", "/api/parse", b" " * 1_100_000, 413, schemas.ErrorResponse),
    ("POST", "/api/graph", {"expression": "tahn(x)"}, 422, schemas.ErrorResponse),
    ("POST", "/api/graph", {"expression": "x" * 100_001}, 422, schemas.ErrorResponse),
]


@pytest.mark.parametrize(
    "method, path, body, status, model",
    ANSWERS,
    ids=[f"{c[0]} {c[1]} {i}" for i, c in enumerate(ANSWERS)],
)
def test_every_answer_matches_its_model(client, method, path, body, status, model):
    if isinstance(body, bytes):
        r = client.request(method, path, content=body, headers=JSON)
    else:
        r = client.request(method, path, json=body)
    assert r.status_code == status, r.text[:500]
    TypeAdapter(model).validate_json(r.content, strict=True)


# -- the document -----------------------------------------------------------------------------
def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def refs(x):
    if isinstance(x, dict):
        if "$ref" in x:
            yield x["$ref"]
        for v in x.values():
            yield from refs(v)
    elif isinstance(x, list):
        for v in x:
            yield from refs(v)


def test_every_operation_declares_its_answers(client):
    spec = client.get("/openapi.json").json()
    names = {name for name, _ in operations(spec)}
    assert {"POST /api/graph", "POST /api/diagnose", "GET /healthz"} <= names
    for name, operation in operations(spec):
        for status, response in operation["responses"].items():
            if status.startswith("2") and "application/json" not in response["content"]:
                # the live sessions' event stream and QR code (docs/api.md, "Live sessions")
                assert set(response["content"]) <= {"text/event-stream", "image/svg+xml"}, name
                continue
            schema = response["content"]["application/json"]["schema"]
            if status.startswith("2"):
                assert "$ref" in schema or "$ref" in schema.get("items", {}), (name, schema)
                assert schema.get("type") in (None, "array"), (name, schema)
            else:
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (name, status)
    components = spec["components"]["schemas"]
    for ref in refs(spec):
        assert ref.removeprefix("#/components/schemas/") in components, ref


def request_schema(spec: dict, path: str) -> dict:
    body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]


@pytest.mark.parametrize("limit", [MAX_EXPRESSION_CHARS, 50])
def test_the_expression_is_not_empty_and_within_the_servers_limit(make_client, limit):
    spec = make_client(Limits(max_expression_chars=limit)).get("/openapi.json").json()
    for path in ("/api/graph", "/api/check", "/api/parse"):
        schema = request_schema(spec, path)
        assert schema["properties"]["expression"]["minLength"] == 1
        assert schema["properties"]["expression"]["maxLength"] == limit
        assert schema["additionalProperties"] is False
    # the live check reports an empty or long text as it reports every other refusal
    expression = request_schema(spec, "/api/diagnose")["properties"]["expression"]
    assert "minLength" not in expression and "maxLength" not in expression


@pytest.mark.parametrize("path", ["/api/graph", "/api/check", "/api/parse"])
def test_an_empty_expression_is_a_malformed_request(client, path):
    r = client.post(path, json={"expression": "", "inputs": {}})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "bad_request"
    assert error["message"] == "expression: String should have at least 1 character"


WRONG_METHODS = [
    ("OPTIONS", "/api/graph", "POST"),
    ("PUT", "/api/graph", "POST"),
    ("GET", "/api/graph", "POST"),
    ("DELETE", "/api/check", "POST"),
    ("PATCH", "/api/parse", "POST"),
    ("HEAD", "/api/diagnose", "POST"),
    ("OPTIONS", "/healthz", "GET, HEAD"),
    ("POST", "/api/examples", "GET, HEAD"),
    ("PUT", "/api/ops", "GET, HEAD"),
    ("DELETE", "/api/limits", "GET, HEAD"),
    ("POST", "/docs", "GET, HEAD"),
    ("POST", "/openapi.json", "GET, HEAD"),
]


@pytest.mark.parametrize("method, path, allow", WRONG_METHODS)
def test_a_wrong_method_is_405_with_the_allowed_ones(client, method, path, allow):
    r = client.request(method, path)
    assert r.status_code == 405
    assert r.headers["allow"] == allow
    if method != "HEAD":
        error = r.json()["error"]
        assert error["code"] == "method_not_allowed"
        assert f"{method} is not allowed on {path}: use " in error["message"]


@pytest.mark.parametrize("path", ["/healthz", "/api/examples", "/api/ops", "/api/limits", "/docs"])
def test_head_is_get_without_the_body(client, path):
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.content == b""


# -- Schemathesis against the live server -----------------------------------------------------
SCHEMATHESIS_CONFIG = """
# Every check, as `--checks all` (which would also override the exception at the end).
[checks]
enabled = true

# 422 is the documented answer to a well-formed request whose expression or inputs the
# language refuses: most random strings are valid for the schema but not as expressions. 413:
# a body over max_body_bytes is refused before it is read, whatever it holds (100,000
# characters written as JSON escapes are 1.2 MB).
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "413", "422"]

# The API's refusals of a body: malformed (400), too large (413), refused (422); and of a
# path: no such lesson (404, GET /api/lessons/{id} outside the enum of this server's ids).
[checks.negative_data_rejection]
expected-statuses = ["400", "404", "413", "422"]

# Live sessions (tests/server/test_sessions.py drives them with real sessions): a random code
# names no session (404); the presenter's routes need the token POST /api/sessions gave (401,
# 403); a poll may be revealed or full (409); a student answering fast is held back (429); a
# server may hold no more sessions (503).
[[operations]]
include-tag = "live sessions"
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "401", "403", "404", "409", "413", "422", "429", "503"
]
checks.negative_data_rejection.expected-statuses = ["400", "401", "404", "413", "422"]
# Random codes name no session and random tokens are never a presenter's: the warnings that say
# so ("missing test data", "authentication failed") are expected here.
warnings = false

# The event stream never ends while its session lives: test_sessions.py reads it with SSE clients.
[[operations]]
include-path = "/api/sessions/{sid}/events"
enabled = false
"""


@pytest.fixture(scope="module")
def live_url(tmp_path_factory):
    with serving(log=tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url


def test_schemathesis_finds_nothing(live_url, tmp_path):
    config = tmp_path / "schemathesis.toml"
    config.write_text(SCHEMATHESIS_CONFIG)
    command = [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config)]
    command += ["run", f"{live_url}/openapi.json", "--max-examples", "25"]
    command += ["--no-color", "--generation-database", "none", "--request-timeout", "20"]
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
