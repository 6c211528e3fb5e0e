"""Every request and response body of the API as pydantic models: one file, what /openapi.json says.

Requests are read with orjson (which refuses bare NaN tokens and lone surrogates, unlike the
standard library's json that FastAPI uses by default) and validated with these models. Responses
are plain dicts encoded by orjson (server/responses.py): their models here only describe them for
the OpenAPI document and are never run on a response (that would cost the throughput the
benchmarks measure). tests/server/test_openapi.py holds the two together: it checks every answer
of the live server against the document.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import Request
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SkipValidation,
    ValidationError,
)
from pydantic.json_schema import models_json_schema
from typing_extensions import TypeAliasType

from .config import Limits
from .errors import BadRequest


def _absent(schema: dict) -> None:
    schema.pop("default", None)


#: A field that is left out when it does not apply, and never null.
def sometimes(description: str) -> Any:
    return Field(None, description=description, json_schema_extra=_absent)


# ---------------------------------------------------------------------------------------------
# Numbers and values: non-finite numbers are strings (docs/trace-format.md, "Numbers")
# ---------------------------------------------------------------------------------------------
Number = TypeAliasType("Number", float | Literal["NaN", "Infinity", "-Infinity"])
Value = TypeAliasType("Value", Number | Annotated[list["Value"], Field(min_length=1)])
Span = TypeAliasType("Span", tuple[int, int, int, int])
"""[line, col, end_line, end_col]: lines from 1, columns from 0 in characters, end exclusive."""


class Answer(BaseModel):
    """A response body: every field it may have is listed (additionalProperties: false)."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------
class ParseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    # maxLength is the server's max_expression_chars, set in the document by `openapi_schemas`
    # (the limit is configurable); the service enforces it, so a longer text gets the 422 that
    # names the limit, as every other limit does.
    expression: str = Field(min_length=1, description="The expression, e.g. 1/(1+exp(-z))")
    sigmoid: Literal["node", "expanded"] = Field(
        "node", description="Count sigmoid(x) as one node or as the post's four"
    )


class CheckRequest(ParseRequest):
    # Values are checked by the service, which names the input and its span (422 bad_input).
    inputs: dict[str, SkipValidation[Value]] = Field(
        default_factory=dict,
        description='Input name -> number, nested list, or "NaN" / "Infinity" / "-Infinity"',
    )
    seed: SkipValidation[Value | None] = Field(
        None, description="Upstream gradient of the output; default ones of its shape"
    )


class GraphRequest(CheckRequest):
    check: bool = Field(False, description="Also run the numerical gradient check")
    # forward mode: checked by the service like the inputs (names, shapes)
    tangents: dict[str, SkipValidation[Value]] | None = Field(
        None,
        description="Forward mode's direction: input name -> its tangent (a number broadcasts "
        "to the input's shape); inputs not named get zero. Adds `tangent` to every node and edge",
    )


class DiagnoseRequest(ParseRequest):
    """/api/parse's request for a live check: an empty text or one over the length limit is one
    more refusal to report, with status 200 (the page checks as the user types)."""

    expression: str = Field(description="The expression as typed so far")


def _whole(v):
    return int(v) if type(v) is float and v.is_integer() else v


class TrainRequest(ParseRequest):
    """POST /api/train: gradient descent on some inputs (the parameters), the rest held."""

    inputs: dict[str, SkipValidation[Value]] = Field(
        default_factory=dict, description="Every input's starting value, as in /api/graph"
    )
    # names as the language writes them (identifiers); the service checks each is an input
    params: list[Annotated[str, Field(pattern=r"^[^\W\d]\w*$", max_length=200)]] = Field(
        min_length=1, description="The inputs to train (names); the other inputs are data"
    )
    lr: float = Field(gt=0, allow_inf_nan=False, description="Learning rate")
    # 20.0 is 20 (JSON does not tell them apart); true and 20.5 are refused
    steps: Annotated[int, BeforeValidator(_whole)] = Field(
        ge=0, description="Gradient steps (at most max_train_steps)"
    )
    optimizer: Literal["sgd", "momentum", "adam"] = Field(
        "sgd", description="The update rule (engine.optim.RULES)"
    )


#: The bodies the routes read themselves, and those whose expression has the length limit.
LENGTH_LIMITED = (ParseRequest, CheckRequest, GraphRequest, TrainRequest)
REQUEST_MODELS: tuple[type[BaseModel], ...] = (*LENGTH_LIMITED, DiagnoseRequest)


# ---------------------------------------------------------------------------------------------
# Errors: {"error": {...}} (server/errors.py)
# ---------------------------------------------------------------------------------------------
class LimitInfo(Answer):
    name: str = Field(description="The limit, e.g. max_nodes (docs/api.md, Limits)")
    value: float | None = Field(description="The value met; null when the parser cannot say")
    max: float


class ErrorDetail(Answer):
    code: str = Field(description="bad_request, syntax_error, limit_exceeded, ... (docs/api.md)")
    message: str = Field(description="What and where, in a sentence")
    span: Span | None = Field(description="Where in the expression, or null")
    suggestions: list[str] = Field(description="Close names, e.g. tanh for tahn")
    limit: LimitInfo = sometimes("The limit met (limit_exceeded, body_too_large, timeout)")


class ErrorResponse(Answer):
    error: ErrorDetail


# ---------------------------------------------------------------------------------------------
# The trace (docs/trace-format.md)
# ---------------------------------------------------------------------------------------------
class Node(Answer):
    id: str
    op: str = Field(description='An op of GET /api/ops, or "input" or "const" for a leaf')
    label: str
    tex: str = Field(description="LaTeX of the node's display name (its name, else its label)")
    name: str | None
    inputs: list[str]
    attrs: dict[str, Any] = Field(description='The op\'s non-tensor arguments, e.g. {"axis": 1}')
    shape: list[int]
    value: Value
    grad: Value | None
    requires_grad: bool
    span: Span | None
    tangent: Value = sometimes("Forward mode (the request gave tangents): d(node) along them")


class Reduction(Answer):
    axes: list[int]
    from_shape: list[int]
    to_shape: list[int]


class Edge(Answer):
    id: str
    source: str
    target: str
    index: int
    upstream: Value | None
    local: Value | None = Field(description="Elementwise ops only; null for vector-Jacobian ones")
    local_formula: str | None = Field(description="LaTeX in the registry's words (x, y, ans)")
    local_formula_named: str = Field(
        description="The same LaTeX with x, y replaced by the names of this op's inputs"
    )
    downstream: Value | None
    reduction: Reduction | None
    tangent: Value | None = Field(
        None,
        description="Forward mode: this input's share of its target's tangent (local gradient "
        "applied to the source's tangent); null for an input with no rule (class indices)",
        json_schema_extra=_absent,
    )


class Step(Answer):
    node: str
    op: str
    label: str
    upstream: Value
    edges: list[str]


class Contribution(Answer):
    edge: str
    value: Value


class FanOut(Answer):
    node: str
    contributions: list[Contribution]
    sum: Value


class Trace(Answer):
    output: str
    nodes: list[Node]
    edges: list[Edge]
    forward: list[str]
    steps: list[Step]
    fanout: list[FanOut]
    gradients: dict[str, Value]


# ---------------------------------------------------------------------------------------------
# The numerical check (engine.gradcheck)
# ---------------------------------------------------------------------------------------------
class Comparison(Answer):
    analytic: Value
    numeric: Value
    max_abs_error: Number
    max_rel_error: Number
    ok: bool


class InputCheck(Comparison):
    node: str
    name: str | None
    kink: bool


class EdgeCheck(Comparison):
    edge: str
    source: str
    target: str
    kink: bool
    local: Comparison = sometimes("Elementwise ops: the local gradient against its estimate")


class Kink(Answer):
    node: str
    op: str
    message: str


class CheckReport(Answer):
    eps: float
    rtol: float
    atol: float
    ok: bool
    inputs: list[InputCheck]
    edges: list[EdgeCheck]
    kinks: list[Kink]


# ---------------------------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------------------------
WARNINGS = "Sentences about numeric trouble, unused inputs, ...; left out when there are none"


class Passes(Answer):
    """What the full gradient costs each way, with this request's own timings."""

    input_elements: int = Field(description="n: numbers in the inputs (one forward pass each)")
    output_elements: int = Field(description="m: numbers in the output (one backward pass each)")
    forward_passes: int = Field(description="Forward mode passes for the full Jacobian: n")
    reverse_passes: int = Field(description="Reverse mode passes for the full Jacobian: m")
    forward_ms: float = Field(description="This request's one forward-mode pass, milliseconds")
    reverse_ms: float = Field(description="This request's one backward pass, milliseconds")


class GraphResponse(Trace):
    expression: str
    inputs: list[str] = Field(description="The input names, in order of first appearance")
    check: CheckReport = sometimes('The numerical check, when the request asked "check": true')
    warnings: list[str] = sometimes(WARNINGS)
    tangent: Value = sometimes("Forward mode: the output's tangent (the directional derivative)")
    passes: Passes = sometimes("Forward mode: passes each mode needs for the full gradient")


class CheckResponse(Answer):
    expression: str
    inputs: list[str]
    check: CheckReport
    warnings: list[str] = sometimes(WARNINGS)


class InputUse(Answer):
    name: str
    span: Span = Field(description="Its first use")


class ParseResponse(Answer):
    inputs: list[InputUse]
    assigned: list[str]
    functions: list[str]
    constants: list[str]
    nodes: int = Field(description="An upper bound of the graph's size")
    warnings: list[str]


class DiagnoseResponse(Answer):
    ok: bool
    error: ErrorDetail | None = Field(description="The refusal /api/parse would answer, or null")
    parse: ParseResponse | None = Field(description="What /api/parse answers, or null")


class TrainPreset(Answer):
    """A preset's training settings: the page fills its training panel with them."""

    params: list[str]
    lr: float
    steps: int
    optimizer: Literal["sgd", "momentum", "adam"]


class Example(Answer):
    id: str
    title: str
    description: str
    expression: str
    inputs: dict[str, Value]
    options: dict[str, Any] = sometimes('Request options it needs, e.g. {"sigmoid": "expanded"}')
    train: TrainPreset = sometimes("Training settings for POST /api/train (the training panel)")


class OpInfo(Answer):
    name: str
    title: str
    arity: int
    kind: Literal["elementwise", "vjp"]
    description: str
    signature: str = Field(description='e.g. "sum(x, axis=None, keepdims=False)"')
    operator: str | None = Field(description='The symbol: "+", "-x", "1/x"; null for a function')
    precedence: int | None = Field(description="How tightly the symbol binds (higher: tighter)")
    formulas: list[str | None] = Field(description="LaTeX of the local derivative per input")
    domain: list[str]
    params: dict[str, Any]
    convention: str | None


class LimitsResponse(Answer):
    limits: Limits
    constants: dict[str, float]
    operators: list[str]


class Health(Answer):
    ok: Literal[True]


# ---------------------------------------------------------------------------------------------
# The OpenAPI document
# ---------------------------------------------------------------------------------------------
def body_schema(model: type[BaseModel]) -> dict:
    """The OpenAPI request body of a route that reads its body itself (see `openapi_schemas`)."""
    assert model in REQUEST_MODELS, model
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def openapi_schemas(limits: Limits) -> dict:
    """The request models for components/schemas (FastAPI does not see bodies read by hand),
    with this server's expression length limit."""
    _, top = models_json_schema(
        [(m, "validation") for m in REQUEST_MODELS], ref_template="#/components/schemas/{model}"
    )
    schemas = top["$defs"]
    for model in LENGTH_LIMITED:
        schemas[model.__name__]["properties"]["expression"]["maxLength"] = (
            limits.max_expression_chars
        )
    return schemas


# ---------------------------------------------------------------------------------------------
# Reading a request body
# ---------------------------------------------------------------------------------------------
async def read_body(request: Request) -> bytes:
    """The raw body, once the content type says JSON; 400 otherwise."""
    ctype = request.headers.get("content-type", "")
    media = ctype.split(";", 1)[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        shown = media[:80] or "none"
        raise BadRequest(
            f"the body must be JSON sent with Content-Type: application/json (got {shown})"
        )
    return await request.body()


def parse_body(model: type[BaseModel], body: bytes) -> BaseModel:
    """The body as `model`; 400 for anything orjson refuses or the model does not accept."""
    if not body.strip():
        raise BadRequest("the request body is empty: send a JSON object")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(
            f"the body is not valid JSON: {exc} (bare NaN and Infinity are not JSON; "
            'write "NaN", "Infinity", "-Infinity")'
        ) from None
    return validate(model, data)


def validate(model: type[BaseModel], data) -> BaseModel:
    if not isinstance(data, dict):
        raise BadRequest(f"the body must be a JSON object, not {_json_type(data)}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        raise BadRequest(f"{loc}: {err['msg']}") from None


def _json_type(x) -> str:
    return {
        list: "an array",
        str: "a string",
        bool: "true/false",
        type(None): "null",
        int: "a number",
        float: "a number",
    }.get(type(x), type(x).__name__)


# ---------------------------------------------------------------------------------------------
# Lessons: the TOML files of server/lessons/ (server/lessons.py) and GET /api/lessons
# ---------------------------------------------------------------------------------------------
StepName = Literal["start", "backward", "end"]


class SlideFile(BaseModel):
    """One `[[slides]]` table of a lesson file; any other key is an error."""

    model_config = ConfigDict(extra="forbid", strict=True)

    title: str = Field(min_length=1)
    expression: str = Field(min_length=1)
    inputs: dict[str, SkipValidation[Any]] = Field(default_factory=dict)
    step: int | StepName = 0
    notes: str = ""
    text: str = ""
    sigmoid: Literal["node", "expanded"] = "node"
    check: bool = False
    chain: str | None = None


class LessonFile(BaseModel):
    """A lesson file: a title, an optional description, one or more slides."""

    model_config = ConfigDict(extra="forbid", strict=True)

    title: str = Field(min_length=1)
    description: str = ""
    slides: list[SlideFile] = Field(min_length=1)


class LessonSlide(Answer):
    title: str
    expression: str = Field(description="Sent to POST /api/graph as it is")
    inputs: dict[str, Value]
    step: int = Field(description="The position it opens at, as the permalink's step=")
    notes: str = Field(description="For the presenter (the speaker-notes window)")
    text: str = Field(description="Shown to the class above the graph; inline math in $...$")
    sigmoid: Literal["node", "expanded"]
    check: bool = Field(description="Open with the numerical check on")
    chain: str | None = Field(description="The input whose chain rule is written out")


class Lesson(Answer):
    id: str = Field(description="The file's name without .toml")
    title: str
    description: str
    slides: list[LessonSlide]


# Training: POST /api/train (server/training.py)
# ---------------------------------------------------------------------------------------------
class TrainStep(Answer):
    step: int = Field(description="Updates done before this row: 0 is the start")
    loss: Number
    values: dict[str, Value] = Field(description="Each parameter's value at this step")
    gradients: dict[str, Value] = Field(description="dL/d(parameter) at these values")


class Divergence(Answer):
    step: int = Field(description="The first step whose loss, value or gradient is not finite")
    message: str


class UpdateRule(Answer):
    name: str
    title: str
    tex: str = Field(description="The update in LaTeX")
    text: str = Field(description='The update in words, e.g. "w <- w - lr * dL/dw"')


class TrainResponse(Answer):
    expression: str
    params: list[str]
    optimizer: UpdateRule
    lr: float
    steps: int = Field(description="Steps run: the request's, or fewer when the run diverged")
    losses: list[Number] = Field(description="steps + 1 losses: before any update, after each")
    inputs: dict[str, Value] = Field(description="Every input, the parameters at their last values")
    history: list[TrainStep] = Field(description="steps + 1 rows, one per loss")
    diverged: Divergence = sometimes("When the loss, a value or a gradient stopped being finite")
    warnings: list[str] = sometimes(WARNINGS)


# Export: /api/export, the CLI's --format (server/export/)
# ---------------------------------------------------------------------------------------------

from .export import FORMAT_NAMES  # noqa: E402

ExportFormat = Literal[FORMAT_NAMES]  # type: ignore[valid-type]
#: Longest `chain` input name accepted (names are identifiers of the expression).
MAX_CHAIN_CHARS = 200
#: Above any graph's number of steps (max_nodes is at most this in practice): a JSON integer the
#: model takes (an unbounded one would not fit pydantic's strict int).
MAX_EXPORT_STEP = 1_000_000


def _integral_float(v):
    """JSON Schema's integer includes 249.0: take it as 249 (the model is strict otherwise)."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


# the bounds before the validator, so the JSON Schema says minimum and maximum
_Step = Annotated[int, Field(ge=0, le=MAX_EXPORT_STEP), BeforeValidator(_integral_float)]


class ExportRequest(GraphRequest):
    """POST /api/graph's request plus the format of the file and what it shows."""

    format: ExportFormat = Field(
        description="json, latex (with TikZ), tikz, dot (Graphviz), svg, png (2x), torch"
    )
    step: _Step | None = Field(
        None,
        description="The backprop step shown (0: after the forward pass); default the last",
    )
    chain: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_CHAIN_CHARS,
        description="latex: the input whose chain rule is written out; default the one with the "
        "most paths",
    )


LENGTH_LIMITED = (*LENGTH_LIMITED, ExportRequest)
REQUEST_MODELS = (*REQUEST_MODELS, ExportRequest)


# ---------------------------------------------------------------------------------------------
# Live class sessions (server/live, server/routers/sessions.py; docs/api.md, "Live sessions")
# ---------------------------------------------------------------------------------------------
LessonId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]
MAX_STEP = 1_000_000
MAX_SLIDE = 10_000
# JSON has one kind of number: 3.0 is the integer 3 (as JSON Schema's "integer" says), 3.5 is not.
Whole = Annotated[
    int, BeforeValidator(lambda v: int(v) if type(v) is float and v.is_integer() else v)
]


def given(description: str, **constraints) -> Any:
    """A field the body may leave out (then it keeps its value), but never null."""
    return Field(None, description=description, json_schema_extra=_absent, **constraints)


class SessionUpdate(BaseModel):
    """The fields of the session's state that changed; the others keep their values. A new
    expression, inputs or sigmoid mode is checked as /api/graph checks it (422 when refused)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    expression: str = given("The expression shown", min_length=1)
    inputs: dict[str, SkipValidation[Value]] = given(
        "Input name -> value, as /api/graph takes them (all of them)"
    )
    sigmoid: Literal["node", "expanded"] = given("Count sigmoid(x) as one node or four")
    step: Whole = given("The timeline position", ge=0, le=MAX_STEP)
    lesson: LessonId | None = Field(
        None,
        description="A lesson of GET /api/lessons (its slide's expression, inputs, mode and step "
        "come with it unless the body gives them), or null: no lesson",
        json_schema_extra=_absent,
    )
    slide: Whole = given("The lesson's slide, from 1 as in ?slide= (default 1)", ge=1, le=MAX_SLIDE)
    poll: None = Field(None, description="null closes the open poll")


class SessionCreate(SessionUpdate):
    """Optional: the state to start from (default: the post's sigmoid at step 0)."""


class PollCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    edge: str = Field(min_length=1, max_length=64, description="An edge id of the graph shown")
    quantity: Literal["downstream", "local"] = Field(
        description="Ask for the edge's downstream gradient dL/d(input) or its local gradient"
    )


#: An answer typed as text: a decimal number (a typographic minus too), spaces around it allowed.
ANSWER_TEXT = r"^\s*[+\u2212-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    client: str = Field(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The student's per-browser id: answering again replaces the answer",
    )
    value: float | Annotated[str, Field(max_length=32, pattern=ANSWER_TEXT)] = Field(
        description='A number, or its text as typed ("0.25", "-1e-3")'
    )


LIVE_REQUEST_MODELS = (SessionCreate, SessionUpdate, PollCreate, AnswerRequest)
REQUEST_MODELS = (*REQUEST_MODELS, *LIVE_REQUEST_MODELS)


class SessionCreated(Answer):
    id: str = Field(description="The join code, e.g. K7M2QX")
    join_url: str = Field(description="The link students open (also as a QR code: qr.svg)")
    presenter_token: str = Field(description="The secret for PUT .../state: Bearer <token>")


class HistogramBar(Answer):
    value: float = Field(description="Answers within 3 significant digits of this value")
    count: int
    right: bool = Field(description="These answers are right")


class PollResults(Answer):
    count: int = Field(description="Students who answered")
    right: int = Field(description="Students whose answer is right")
    answer: float = Field(description="The right answer")
    histogram: list[HistogramBar] = Field(description="The most frequent answers, by value")
    other: int = Field(description="Answers not in the histogram's bars")


class Poll(Answer):
    id: str
    edge: str
    quantity: Literal["downstream", "local"]
    step: int = Field(description="The timeline position it was asked at")
    question: str
    revealed: bool
    results: PollResults | None = Field(description="After the reveal; null before")


class SessionState(Answer):
    id: str
    version: int = Field(description="Grows by one with every change; the events' id")
    expression: str
    inputs: dict[str, Value]
    sigmoid: Literal["node", "expanded"]
    step: int = Field(description="The timeline position (docs/page.md)")
    lesson: str | None = Field(description="The lesson being taught, or null")
    slide: int | None = Field(description="The lesson's slide (from 1), or null")
    poll: Poll | None = Field(description="The poll asked, or null")


class MyAnswer(Answer):
    value: float
    right: bool | None = Field(description="Whether it is right: after the reveal; else null")


class PollStatus(Answer):
    id: str
    count: int = Field(description="Answers so far")
    revealed: bool
    results: PollResults | None = Field(
        description="For the presenter (with the token) or after the reveal; else null"
    )
    mine: MyAnswer | None = Field(description="The answer of ?client=ID, or null")


class AnswerAccepted(Answer):
    poll: str
    value: float = Field(description="The answer as stored")
    replaced: bool = Field(description="It replaced this student's earlier answer")
