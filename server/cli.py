"""The `backprop-explorer` command: serve the app, or trace an expression in the terminal.

backprop-explorer serve --host 127.0.0.1 --port 8000 --workers 2 --max-nodes 5000
backprop-explorer trace "1/(1+exp(-z))" --input z=0
backprop-explorer lesson check my-lesson.toml
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import fields, replace
from pathlib import Path

import orjson

from engine.trace import NONFINITE_TO_JSON

from .config import RATE_LIMIT, Hosting, Limits, env_name
from .errors import APIError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="backprop-explorer", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the API and the page")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="worker processes")
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--cache-entries",
        type=int,
        metavar="N",
        help="answers to small requests kept (default 256; 0: no cache; env BPE_CACHE_ENTRIES)",
    )
    serve.add_argument(
        "--lessons",
        metavar="DIR",
        help="a folder of lesson files (*.toml) served with the shipped ones (env BPE_LESSONS_DIR)",
    )
    _limit_options(serve)
    _hosting_options(serve)
    _live_options(serve)

    trace = sub.add_parser("trace", help="print the forward values and backward steps")
    trace.add_argument("expression")
    trace.add_argument(
        "--input",
        "-i",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an input value: z=0, x=[1,2], w=nan (repeat for each input)",
    )
    trace.add_argument("--seed", help="upstream gradient of the output (JSON)")
    trace.add_argument("--sigmoid", choices=["node", "expanded"], default="node")
    trace.add_argument("--check", action="store_true", help="run the numerical gradient check")
    trace.add_argument("--json", action="store_true", help="print the trace as JSON")
    _export_options(trace)
    _limit_options(trace)

    _lesson_parser(sub)

    args = parser.parse_args(argv)
    return {"serve": _serve, "trace": _trace, "lesson": _lesson}[args.command](args)


def _limit_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("limits (default: the environment's BPE_* variables)")
    _field_options(group, Limits)


def _field_options(group, cls) -> None:
    """One option per field of the dataclass `cls` (`max_nodes` -> `--max-nodes N`), saying
    its default and its environment variable."""
    for f in fields(cls):
        kind = float if f.type in (float, "float") else int
        default = getattr(cls(), f.name)
        group.add_argument(
            f"--{f.name.replace('_', '-')}",
            type=kind,
            metavar=kind.__name__.upper(),
            help=f"default {default:{',' if kind is int else 'g'}}; env {env_name(f.name)}",
        )


def _limits(args, export: bool = False) -> Limits:
    """The environment's limits with the options' overrides; `export` puts the overrides in the
    environment too, where uvicorn's worker processes read them."""
    given = {
        f.name: getattr(args, f.name)
        for f in fields(Limits)
        if getattr(args, f.name, None) is not None
    }
    if export:
        for name, value in given.items():
            os.environ[env_name(name)] = str(value)
    limits = replace(Limits.from_env(), **given)
    bad = [name for name, value in given.items() if value <= 0]
    if bad:
        raise SystemExit(f"error: --{bad[0].replace('_', '-')} must be positive")
    return limits


def _serve(args) -> int:
    import uvicorn

    _limits(args, export=True)  # fails early on a bad value
    if args.lessons is not None and _check_lessons_dir(args) != 0:
        return 2
    if args.cache_entries is not None:
        os.environ["BPE_CACHE_ENTRIES"] = str(max(args.cache_entries, 0))
    proxy = _hosting(args)
    _live_setup(args)
    uvicorn.run(
        "server.app:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        **proxy,
    )
    return 0


# ---------------------------------------------------------------------------------------------
# trace
# ---------------------------------------------------------------------------------------------
def parse_value(text: str):
    """A command-line value: JSON (0, [1, 2]) or nan / inf / -inf."""
    try:
        number = float(text)  # also nan, inf, -inf, infinity, in any case
    except ValueError:
        pass
    else:
        if not math.isfinite(number):
            return NONFINITE_TO_JSON[repr(number)]
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise ValueError(f"{text!r} is not a number or a JSON list") from None


def _trace(args) -> int:
    from . import service

    limits = _limits(args)
    inputs = {}
    try:
        for item in args.input:
            name, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"--input {item!r}: write NAME=VALUE, e.g. z=0")
            inputs[name.strip()] = parse_value(value)
        seed = parse_value(args.seed) if args.seed is not None else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        result = service.run(
            args.expression, inputs, limits, seed=seed, sigmoid=args.sigmoid, check=args.check
        )
    except APIError as exc:
        print(format_error(args.expression, exc), file=sys.stderr)
        return 1
    if args.format:
        return _export(args, result)
    if args.json:
        print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
    else:
        print(format_trace(result))
    return 0


def format_error(source: str, exc: APIError) -> str:
    """The error with the offending span underlined under its source line."""
    lines = [f"error ({exc.code}): {exc.message}"]
    if exc.span:
        line, col, end_line, end_col = exc.span
        text = source.splitlines()[line - 1] if line <= len(source.splitlines()) else ""
        width = max((end_col if end_line == line else len(text)) - col, 1)
        lines += [f"  {text}", "  " + " " * col + "^" * width]
    if exc.suggestions:
        lines.append(f"  did you mean: {', '.join(exc.suggestions)}?")
    return "\n".join(lines)


def _num(v, width: int = 40) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v + 0.0:.6g}"  # + 0.0 turns -0.0 into 0.0
    if isinstance(v, list):
        text = "[" + ", ".join(_num(x, width) for x in v) + "]"
        return text if len(text) <= width else text[: width - 3] + "..."
    return str(v)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(out)


def format_trace(result: dict) -> str:
    """The forward values, the backward steps (upstream x local = downstream), the gradients."""
    nodes = {n["id"]: n for n in result["nodes"]}
    edges = {e["id"]: e for e in result["edges"]}
    forward = _table(
        ["node", "op", "label", "inputs", "shape", "value", "grad"],
        [
            [
                n["id"],
                n["op"],
                n["label"],
                ",".join(n["inputs"]),
                str(n["shape"]),
                _num(n["value"]),
                _num(n["grad"]),
            ]
            for n in result["nodes"]
        ],
    )
    rows = []
    for k, step in enumerate(result["steps"], 1):
        for j, eid in enumerate(step["edges"]):
            e = edges[eid]
            first = j == 0
            node = step["node"]
            if nodes[node]["name"]:
                node += f" ({nodes[node]['name']})"
            rows.append(
                [
                    str(k) if first else "",
                    node if first else "",
                    step["op"] if first else "",
                    _num(step["upstream"]) if first else "",
                    f"{e['source']} ({nodes[e['source']]['label']})",
                    _num(e["local"]),
                    _num(e["downstream"]),
                ]
            )
    backward = _table(["step", "node", "op", "upstream", "to input", "local", "downstream"], rows)
    parts = [
        f"forward ({len(result['nodes'])} nodes, output {result['output']})",
        forward,
        "",
        "backward (downstream = upstream x local)",
        backward,
    ]
    if result["fanout"]:
        parts += ["", "fan-out (gradients that add up)"]
        for f in result["fanout"]:
            terms = " + ".join(_num(c["value"]) for c in f["contributions"])
            parts.append(f"  {f['node']} ({nodes[f['node']]['label']}): {terms} = {_num(f['sum'])}")
    parts += ["", "gradients"]
    parts += [f"  d/d{name} = {_num(g, 200)}" for name, g in result["gradients"].items()]
    if "check" in result:
        parts += ["", f"numerical check: {'ok' if result['check']['ok'] else 'MISMATCH'}"]
    for w in result.get("warnings", []):
        parts.append(f"warning: {w}")
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------
# Hosting on a public address (docs/hosting.md)
# ---------------------------------------------------------------------------------------------
def _hosting_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("hosting on a public address (docs/hosting.md)")
    group.add_argument(
        "--root-path",
        metavar="PATH",
        help="the path prefix a reverse proxy serves the app under, e.g. /explorer (the proxy "
        "strips it); env BPE_ROOT_PATH",
    )
    group.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        help="trust X-Forwarded-For/-Proto from these proxy addresses (comma-separated, or *): "
        "the rate limit then counts the client's address, not the proxy's; default: trust "
        "nobody; env BPE_FORWARDED_ALLOW_IPS",
    )
    group.add_argument(
        "--rate-limit",
        metavar="RATE",
        help=f"requests per client address to each compute endpoint, e.g. {RATE_LIMIT} or "
        f"20/second;600/minute, or off (default {RATE_LIMIT}); env BPE_RATE_LIMIT",
    )
    group.add_argument(
        "--allow-origin",
        action="append",
        metavar="ORIGIN",
        help="an origin whose pages may call the API (CORS), e.g. https://course.example.edu "
        "(repeat for each; default none); env BPE_ALLOW_ORIGINS",
    )
    group.add_argument(
        "--frame-ancestors",
        metavar="SOURCES",
        help="who may show the page in a frame: none (default), self, or origins; "
        "env BPE_FRAME_ANCESTORS",
    )


def _hosting(args) -> dict:
    """Checks the hosting options, puts them in the environment (uvicorn's workers build the
    app from it), and returns uvicorn's settings for the root path and the proxy headers."""
    given = {}
    if args.rate_limit is not None:
        given["rate_limit"] = args.rate_limit
    if args.allow_origin:
        given["allow_origins"] = tuple(args.allow_origin)
    if args.frame_ancestors is not None:
        given["frame_ancestors"] = args.frame_ancestors
    try:
        hosting = replace(Hosting.from_env(), **given)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    root_path = (args.root_path or os.environ.get("BPE_ROOT_PATH", "")).strip().rstrip("/")
    if root_path and not root_path.startswith("/"):
        raise SystemExit(f"error: --root-path {root_path!r} must start with /, e.g. /explorer")
    os.environ[env_name("rate_limit")] = hosting.rate_limit
    os.environ[env_name("allow_origins")] = " ".join(hosting.allow_origins)
    os.environ[env_name("frame_ancestors")] = hosting.frame_ancestors
    trusted = (args.forwarded_allow_ips or os.environ.get("BPE_FORWARDED_ALLOW_IPS", "")).strip()
    # uvicorn puts X-Forwarded-For's address in the client's place only from these peers
    proxy = {"proxy_headers": True, "forwarded_allow_ips": trusted} if trusted else {}
    return {"root_path": root_path, "proxy_headers": False, **proxy}


# ---------------------------------------------------------------------------------------------
# lessons: `serve --lessons DIR` and `lesson check FILE`
# ---------------------------------------------------------------------------------------------
def _lesson_parser(sub) -> None:
    lesson = sub.add_parser("lesson", help="check lesson files (see `lesson check -h`)")
    actions = lesson.add_subparsers(dest="action", required=True)
    check = actions.add_parser(
        "check", help="validate lesson files: the schema, and every slide runs within the limits"
    )
    check.add_argument("files", nargs="+", metavar="FILE")
    _limit_options(check)


def _lesson(args) -> int:
    """`lesson check FILE...`: each problem as FILE:LINE: slide N (title): what; status 1."""
    from .lessons import check_file

    limits = _limits(args)
    failed = False
    for name in args.files:
        lesson, problems, warnings = check_file(Path(name), limits)
        for p in [*problems, *warnings]:
            print(p, file=sys.stderr)
        if problems:
            failed = True
            print(f"{name}: {len(problems)} problem(s)", file=sys.stderr)
        else:
            print(f"{name}: ok, {len(lesson['slides'])} slide(s): {lesson['title']}")
    return 1 if failed else 0


def _check_lessons_dir(args) -> int:
    """Before serving: every lesson of the folder must pass `lesson check`."""
    from .lessons import lesson_files, load

    folder = Path(args.lessons).resolve()
    if not folder.is_dir():
        print(f"error: --lessons {args.lessons}: not a folder", file=sys.stderr)
        return 2
    lessons, problems = load([folder], _limits(args))
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(
            "error: fix the lessons above (`backprop-explorer lesson check FILE`)", file=sys.stderr
        )
        return 2
    if not lesson_files(folder):
        print(f"warning: no *.toml lesson in {folder}", file=sys.stderr)
    os.environ["BPE_LESSONS_DIR"] = str(folder)
    return 0


# ---------------------------------------------------------------------------------------------
# trace --format F -o FILE: the exports (server/export/)
# ---------------------------------------------------------------------------------------------
def _export_options(parser: argparse.ArgumentParser) -> None:
    from .export import FORMAT_NAMES

    group = parser.add_argument_group("export (server/export/, docs/api.md#export)")
    group.add_argument("--format", "-f", choices=FORMAT_NAMES, help="write the graph in a format")
    group.add_argument(
        "--output", "-o", metavar="FILE", help="the file to write (default: standard output)"
    )
    group.add_argument(
        "--step", type=int, help="the backprop step shown (default: the last; 0: forward only)"
    )
    group.add_argument("--chain", metavar="NAME", help="LaTeX: the input whose chain rule is shown")


def _export(args, result: dict) -> int:
    from .export import export

    try:
        data = export(result, args.format, step=args.step, chain=args.chain)
    except APIError as exc:
        print(f"error ({exc.code}): {exc.message}", file=sys.stderr)
        return 1
    if args.output and args.output != "-":
        with open(args.output, "wb") as f:
            f.write(data)
        print(f"wrote {args.output} ({len(data):,} bytes, {args.format})", file=sys.stderr)
    elif args.format == "png" and sys.stdout.isatty():
        print("error: PNG is binary: write it to a file with -o FILE.png", file=sys.stderr)
        return 2
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


# ---------------------------------------------------------------------------------------------
# serve: live class sessions (server/live)
# ---------------------------------------------------------------------------------------------
def _live_options(parser: argparse.ArgumentParser) -> None:
    from .live.config import LiveLimits

    group = parser.add_argument_group("live class sessions")
    group.add_argument(
        "--redis-url",
        metavar="URL",
        help="keep sessions in Redis (redis://HOST:6379/0): needed with --workers above 1 or "
        "several hosts; sessions outlive a restart (env BPE_REDIS_URL)",
    )
    group.add_argument(
        "--public-url",
        metavar="URL",
        help="the address students open, for join links and QR codes (default: the LAN "
        "address with --host 0.0.0.0, else the address the presenter used; env BPE_PUBLIC_URL)",
    )
    group.add_argument(
        "--live", action="store_true", help="start a live session now and print how to join it"
    )
    _field_options(group, LiveLimits)


def lan_address() -> str | None:
    """This machine's address on the local network (no packet is sent: a UDP socket's connect
    only picks the outgoing interface), or None when it has none."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def _live_setup(args) -> None:
    """Export the live options for the workers; refuse a bad value; print how students join."""
    from .live.config import LiveLimits

    for f in fields(LiveLimits):
        value = getattr(args, f.name, None)
        if value is not None:
            if value <= 0:
                raise SystemExit(f"error: --{f.name.replace('_', '-')} must be positive")
            os.environ[env_name(f.name)] = str(value)
    os.environ["BPE_WORKERS"] = str(args.workers)
    if args.redis_url:
        os.environ["BPE_REDIS_URL"] = args.redis_url
    public = args.public_url
    if not public and args.host in ("0.0.0.0", "::"):
        address = lan_address()
        public = f"http://{address}:{args.port}/" if address else None
    if public:
        os.environ["BPE_PUBLIC_URL"] = public
    if args.workers > 1 and not args.redis_url:
        print(
            f"note: live sessions are off with --workers {args.workers} and no --redis-url "
            "(each worker would hold its own sessions and split a class)",
            file=sys.stderr,
        )
    if public:
        print(f"Students on this network open: {public}")
        if not args.live:
            _print_qr(public)
            print("Start a live session on the page; its join link and QR code show there.")
    if args.live:
        _start_live_session(public or f"http://{args.host}:{args.port}/")


def _print_qr(url: str) -> None:
    import segno

    segno.make(url, error="m").terminal(compact=True)


def _start_live_session(base: str) -> None:
    """A session made before the server starts (the same process serves it with one worker;
    with --redis-url any worker does)."""
    import asyncio

    from .app import app
    from .live.base import Record, new_code, new_token, token_hash
    from .routers.sessions import DEFAULT_STATE

    live = app.state.live
    if why := live.settings.refusal():
        raise SystemExit(f"error: {why}")
    token = new_token()

    async def create() -> str:
        while True:
            code = new_code()
            state = {"id": code, "version": 1, **DEFAULT_STATE}
            state.update(lesson=None, slide=None, poll=None)
            if await live.backend.create(code, Record(state, token_hash(token))):
                return code

    code = asyncio.run(create())
    join = f"{base.rstrip('/')}/?join={code}"
    print(f"Live session {code}: students open {join} (or scan this):")
    _print_qr(join)
    print(f"Presenter (keep it to yourself): {base.rstrip('/')}/?join={code}#presenter={token}")


if __name__ == "__main__":
    sys.exit(main())
