"""Hosting on a public address (docs/hosting.md): security headers on every response, the rate
limit (429 + Retry-After), CORS for allowed origins only, and the app under a path prefix behind
a real reverse proxy (tests/prefix_proxy.py) in front of a real server."""

from __future__ import annotations

import re
import time
import warnings

import httpx
import pytest
from fastapi import APIRouter
from prefix_proxy import prefix_proxy
from servers import serving

from server import cli
from server.app import VENDOR, create_app
from server.config import RATE_LIMITED_PATHS, Hosting, Limits
from server.security import content_security_policy

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402

SIGMOID = {"expression": "1/(1+exp(-z))", "inputs": {"z": 0}}
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
CSP = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "manifest-src": ["'self'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "object-src": ["'none'"],
}


def directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


def app_client(hosting: Hosting | None = None, **kwargs) -> TestClient:
    app = create_app(Limits(max_body_bytes=1000), hosting=hosting or Hosting(), **kwargs)
    router = APIRouter()

    @router.get("/boom")
    async def boom():
        raise RuntimeError("a bug")

    app.router.routes.insert(0, router.routes[0])  # before the page mounted at /
    return TestClient(app, raise_server_exceptions=False)


# -- security headers on every kind of response -----------------------------------------------
RESPONSES = [
    # (what, method, path, body, extra headers, status)
    ("the page", "GET", "/", None, {}, 200),
    ("a permalink", "GET", "/?expr=1%2F(1%2Bexp(-z))&in.z=0&step=3", None, {}, 200),
    ("a page module", "GET", "/js/main.js", None, {}, 200),
    ("a page stylesheet", "GET", "/css/app.css", None, {}, 200),
    ("a page file, not modified", "GET", "/css/app.css", None, {"if-none-match": "*"}, 304),
    ("the API docs", "GET", "/docs", None, {}, 200),
    ("the API's init script", "GET", "/js/docs-swagger.js", None, {}, 200),
    ("the OpenAPI document", "GET", "/openapi.json", None, {}, 200),
    ("a HEAD", "HEAD", "/healthz", None, {}, 200),
    ("an answer", "POST", "/api/graph", SIGMOID, {}, 200),
    ("an answer from the cache", "POST", "/api/graph", SIGMOID, {}, 200),
    ("a malformed body", "POST", "/api/graph", b"{", {}, 400),
    ("a refused expression", "POST", "/api/graph", {"expression": "tahn(x)"}, {}, 422),
    ("a body too large", "POST", "/api/parse", b" " * 2000, {}, 413),
    ("nothing there", "GET", "/nothing", None, {}, 404),
    ("a wrong method", "PUT", "/api/graph", None, {}, 405),
    ("a bug", "GET", "/boom", None, {}, 500),
]
if (VENDOR / "katex").is_dir():
    RESPONSES.append(("an npm file", "GET", "/vendor/katex/dist/katex.mjs", None, {}, 200))


@pytest.fixture(scope="module")
def plain():
    return app_client()


@pytest.mark.parametrize(
    "what, method, path, body, headers, status", RESPONSES, ids=[r[0] for r in RESPONSES]
)
def test_every_response_carries_the_security_headers(
    plain, what, method, path, body, headers, status
):
    if isinstance(body, bytes):
        r = plain.request(method, path, content=body, headers={"content-type": "application/json"})
    else:
        r = plain.request(method, path, json=body, headers=headers)
    assert r.status_code == status, r.text[:300]
    for name, value in HEADERS.items():
        assert r.headers.get(name) == value, (what, name)
    assert directives(r.headers["content-security-policy"]) == CSP
    assert "strict-transport-security" not in r.headers  # the TLS proxy's to send
    assert not [h for h in r.headers if h.startswith("access-control-")]  # CORS is closed


def test_the_policy_allows_nothing_inline_and_no_eval():
    policy = content_security_policy()
    for word in ("unsafe-inline", "unsafe-eval", "unsafe-hashes", "*", "http:", "https:"):
        assert word not in policy.split(), word


def test_a_course_site_may_frame_the_page_when_named():
    client = app_client(Hosting(frame_ancestors="self https://course.example.edu"))
    r = client.get("/")
    policy = directives(r.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'self'", "https://course.example.edu"]
    assert "x-frame-options" not in r.headers  # it cannot say "this site too"


@pytest.mark.parametrize("swagger_ui", [True, False])
def test_the_docs_have_no_inline_script_or_style(swagger_ui):
    client = app_client()
    client.app.state.swagger_ui = swagger_ui
    html = client.get("/docs").text
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all(" src=" in tag for tag in scripts)
    assert "<style" not in html and "style=" not in html and " on" not in html
    for url in re.findall(r'(?:src|href|data-openapi-url)="([^"]+)"', html):
        if swagger_ui or "/vendor/" not in url:
            assert client.get(url).status_code == 200, url


def test_the_real_server_sends_them(live):
    for path in ("/", "/docs", "/healthz", "/nothing"):
        r = httpx.get(live + path)
        assert directives(r.headers["content-security-policy"]) == CSP, path
        assert r.headers["x-content-type-options"] == "nosniff", path


# -- the rate limit -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A real server allowing 3 requests an hour to each compute endpoint."""
    log = tmp_path_factory.mktemp("hosting") / "server.log"
    with serving("--rate-limit", "3/hour", log=log) as url:
        yield url


def test_past_the_limit_a_429_with_retry_after_and_the_json_error(live):
    with httpx.Client(base_url=live) as client:
        statuses = [client.post("/api/graph", json=SIGMOID).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        r = client.post("/api/graph", json=SIGMOID)
        assert r.status_code == 429
        assert 1 <= int(r.headers["retry-after"]) <= 3600
        error = r.json()["error"]
        assert error["code"] == "rate_limited"
        wait = int(r.headers["retry-after"])
        when = f"{wait} s" if wait < 120 else f"{-(-wait // 60)} min"  # the hour's window ends
        assert error["message"] == (
            f"too many requests to /api/graph from your address: at most 3 per hour; "
            f"try again in {when}"
        )
        assert error["span"] is None and error["suggestions"] == []
        assert directives(r.headers["content-security-policy"]) == CSP
        # each compute endpoint has its own budget; the rest is not limited
        assert client.post("/api/parse", json={"expression": "x"}).status_code == 200
        assert all(client.get("/healthz").status_code == 200 for _ in range(5))
        assert all(client.get("/api/examples").status_code == 200 for _ in range(5))


def test_after_retry_after_seconds_the_client_is_served_again(tmp_path):
    with serving("--rate-limit", "2/second", log=tmp_path / "server.log") as url:
        with httpx.Client(base_url=url) as client:
            for _ in range(10):
                r = client.post("/api/diagnose", json={"expression": "x"})
                if r.status_code == 429:
                    break
            assert r.status_code == 429
            assert r.json()["error"]["message"] == (
                "too many requests to /api/diagnose from your address: at most 2 per second; "
                f"try again in {r.headers['retry-after']} s"
            )
            time.sleep(int(r.headers["retry-after"]))
            assert client.post("/api/diagnose", json={"expression": "x"}).status_code == 200


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(tmp_path):
    def statuses(url, addresses):
        with httpx.Client(base_url=url) as client:
            return [
                client.post(
                    "/api/parse", json={"expression": "x"}, headers={"x-forwarded-for": a}
                ).status_code
                for a in addresses
            ]

    addresses = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    with serving("--rate-limit", "2/hour", log=tmp_path / "untrusted.log") as url:
        assert statuses(url, addresses) == [200, 200, 429]  # all one client: 127.0.0.1
    trusted = ("--forwarded-allow-ips", "127.0.0.1")
    with serving("--rate-limit", "2/hour", *trusted, log=tmp_path / "trusted.log") as url:
        assert statuses(url, addresses) == [200, 200, 200]  # three clients
        assert statuses(url, ["10.0.0.1", "10.0.0.1"]) == [200, 429]


def test_the_limited_paths_are_routes_and_the_document_says_429():
    spec = app_client().get("/openapi.json").json()
    for path in RATE_LIMITED_PATHS:
        operations = spec["paths"][path].values()  # a typo in the list would fail here
        assert operations
        for operation in operations:  # /api/export has GET and POST
            answer = operation["responses"]["429"]
            assert answer["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorResponse"
            }
            assert answer["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}
    assert "429" not in spec["paths"]["/api/examples"]["get"]["responses"]
    spec = app_client(Hosting(rate_limit="off")).get("/openapi.json").json()
    assert "429" not in spec["paths"]["/api/graph"]["post"]["responses"]


def test_ipv6_clients_count_by_their_64_network():
    from server.ratelimit import client_key

    cases = [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
    ]
    for host, key in cases:
        assert client_key({"client": (host, 1234)}) == key
    assert client_key({"client": None}) == "unknown"


# -- CORS -----------------------------------------------------------------------------------------
COURSE = "https://course.example.edu"
OTHER = "https://elsewhere.example.com"


def preflight(client, origin: str, method: str = "POST", headers: str = "content-type"):
    return client.options(
        "/api/graph",
        headers={
            "origin": origin,
            "access-control-request-method": method,
            "access-control-request-headers": headers,
        },
    )


def test_cors_is_closed_by_default(plain):
    r = preflight(plain, COURSE)
    assert r.status_code == 405  # no CORS: OPTIONS is not a method of /api/graph
    assert not [h for h in r.headers if h.startswith("access-control-")]
    r = plain.post("/api/graph", json=SIGMOID, headers={"origin": COURSE})
    assert r.status_code == 200
    assert not [h for h in r.headers if h.startswith("access-control-")]


@pytest.fixture(scope="module")
def course():
    return app_client(Hosting(allow_origins=(COURSE,)))


def test_an_allowed_origin_passes_the_preflight(course):
    r = preflight(course, COURSE)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == COURSE
    assert "POST" in r.headers["access-control-allow-methods"].split(", ")
    assert "Content-Type" in r.headers["access-control-allow-headers"].split(", ")
    assert r.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in r.headers
    assert directives(r.headers["content-security-policy"]) == CSP


def test_an_allowed_origin_reads_the_answer(course):
    r = course.post("/api/graph", json=SIGMOID, headers={"origin": COURSE})
    assert r.status_code == 200 and r.json()["gradients"] == {"z": 0.25}
    assert r.headers["access-control-allow-origin"] == COURSE
    assert "Origin" in r.headers["vary"]
    assert "retry-after" in r.headers["access-control-expose-headers"].lower()


def test_another_origin_is_refused(course):
    r = preflight(course, OTHER)
    assert r.status_code == 400
    assert "access-control-allow-origin" not in r.headers
    assert r.json()["error"] == {
        "code": "cors_refused",
        "message": f"cross-origin request refused: the origin {OTHER} may not call this API "
        "(see --allow-origin)",
        "span": None,
        "suggestions": [],
    }
    # a simple request is answered, but without the header its browser would not show it
    r = course.post("/api/graph", json=SIGMOID, headers={"origin": OTHER})
    assert r.status_code == 200
    assert "access-control-allow-origin" not in r.headers


def test_an_allowed_origin_with_a_method_not_allowed_is_refused(course):
    r = preflight(course, COURSE, method="DELETE")
    assert r.status_code == 400
    assert r.json()["error"]["message"] == (
        "cross-origin request refused: DELETE is not allowed from another origin"
    )


def test_the_real_server_takes_allow_origin(tmp_path):
    options = ("--allow-origin", COURSE, "--allow-origin", "http://localhost:3000")
    with serving(*options, log=tmp_path / "server.log") as url:
        for origin in (COURSE, "http://localhost:3000"):
            r = httpx.options(
                url + "/api/graph",
                headers={"origin": origin, "access-control-request-method": "POST"},
            )
            assert r.status_code == 200 and r.headers["access-control-allow-origin"] == origin
        r = httpx.post(url + "/api/graph", json=SIGMOID, headers={"origin": OTHER})
        assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


# -- the app under a path prefix, behind a real reverse proxy -----------------------------------
@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    log = tmp_path_factory.mktemp("prefix") / "server.log"
    with serving("--root-path", "/explorer", log=log) as upstream:
        with prefix_proxy(upstream, "/explorer") as url:
            with httpx.Client(base_url=url + "/explorer") as client:
                yield client


PREFIXED = [
    ("/", 200, "text/html"),
    ("/?expr=x&in.x=1&step=2", 200, "text/html"),
    ("/js/api.js", 200, "text/javascript"),
    ("/docs", 200, "text/html"),
    ("/openapi.json", 200, "application/json"),
    ("/healthz", 200, "application/json"),
    ("/nothing", 404, "application/json"),
]
if (VENDOR / "katex").is_dir():
    PREFIXED.append(("/vendor/katex/dist/katex.min.css", 200, "text/css"))


@pytest.mark.parametrize("path, status, kind", PREFIXED)
def test_under_a_prefix_everything_answers(proxied, path, status, kind):
    r = proxied.get(path)
    assert r.status_code == status
    assert r.headers["content-type"].startswith(kind)
    assert directives(r.headers["content-security-policy"]) == CSP


def test_under_a_prefix_the_api_answers(proxied):
    r = proxied.post("/api/graph", json=SIGMOID)
    assert r.status_code == 200 and r.json()["gradients"] == {"z": 0.25}
    r = proxied.get("/api/graph")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.json()["error"]["message"] == "GET is not allowed on /explorer/api/graph: use POST"
    assert proxied.get("/nothing").json()["error"]["message"] == "nothing at /explorer/nothing"


def test_under_a_prefix_the_docs_name_prefixed_urls(proxied):
    assert proxied.get("/openapi.json").json()["servers"] == [{"url": "/explorer"}]
    html = proxied.get("/docs").text
    assert 'data-openapi-url="/explorer/openapi.json"' in html
    assert '<script src="/explorer/js/docs-swagger.js">' in html
    assert "<script>" not in html and "style=" not in html and "<style" not in html


def test_the_page_names_no_url_at_the_hosts_root(proxied):
    """Behind the proxy only /explorer/... exists: no URL of the page may start with /."""
    html = proxied.get("/").text
    assert 'href="/' not in html and 'src="/' not in html
    for module in ("/js/api.js", "/js/views/math.js", "/js/views/graph.js"):
        source = proxied.get(module).text
        assert "from '/" not in source and "fetch('/" not in source, module


# -- configuration --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "environ, expected",
    [
        ({}, Hosting()),
        ({"BPE_RATE_LIMIT": "20/second;600/minute"}, Hosting(rate_limit="20/second;600/minute")),
        ({"BPE_RATE_LIMIT": "off"}, Hosting(rate_limit="off")),
        (
            {"BPE_ALLOW_ORIGINS": f"{COURSE}, http://localhost:3000"},
            Hosting(allow_origins=(COURSE, "http://localhost:3000")),
        ),
        ({"BPE_FRAME_ANCESTORS": "self"}, Hosting(frame_ancestors="'self'")),
    ],
)
def test_hosting_from_the_environment(environ, expected):
    assert Hosting.from_env(environ) == expected


@pytest.mark.parametrize(
    "option, message",
    [
        (
            ["--rate-limit", "lots"],
            "error: rate limit 'lots': write e.g. 1200/minute, 20/second;600/minute, or off",
        ),
        (
            ["--rate-limit", "0/minute"],
            "error: rate limit '0/minute': write e.g. 1200/minute, 20/second;600/minute, or off",
        ),
        (
            ["--allow-origin", "https://course.example.edu/"],
            "error: allowed origin 'https://course.example.edu/' is not scheme://host[:port] "
            "(no path, no trailing slash), e.g. https://course.example.edu, or *",
        ),
        (
            ["--frame-ancestors", "x; script-src *"],
            "error: frame ancestors 'x; script-src *': write 'none', 'self' or origins such as "
            "https://course.example.edu, separated by spaces",
        ),
        (
            ["--root-path", "explorer"],
            "error: --root-path 'explorer' must start with /, e.g. /explorer",
        ),
    ],
)
def test_a_bad_hosting_option_stops_the_server_with_a_message(monkeypatch, option, message):
    for name in ("RATE_LIMIT", "ALLOW_ORIGINS", "FRAME_ANCESTORS", "ROOT_PATH"):
        monkeypatch.delenv(f"BPE_{name}", raising=False)
    with pytest.raises(SystemExit) as exc:
        cli.main(["serve", *option])
    assert str(exc.value) == message
