"""Lessons: TOML files (one title, then `[[slides]]`), checked and served by GET /api/lessons.

A lesson file is read with Python's own tomllib and validated with the models of
server/schemas.py (`LessonFile`, `SlideFile`: any other key is an error). Then every slide runs
exactly as POST /api/graph would run it, with the server's limits, so a slide that would be
refused in class is refused here first. Every problem names the file, the TOML line and the
slide: tomllib gives no positions for values, so each slide's `[[slides]]` header and each key
are found in the text itself (`_Lines`).

    backprop-explorer lesson check my-lesson.toml
    my-lesson.toml:14: slide 2 (Fan-out): syntax_error: invalid syntax at line 1, columns 5-6
"""

from __future__ import annotations

import logging
import re
import threading
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from . import service
from .config import Limits
from .errors import APIError
from .schemas import LessonFile, SlideFile

#: The lessons shipped in the package (package data, like the page).
SHIPPED = Path(str(resources.files("server") / "lessons"))
#: The shipped lessons in teaching order; any other file comes after them, by name.
SHIPPED_ORDER = ["post", "cs231n"]
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
#: A lesson file bigger than this is surely not a lesson (and is not read whole).
MAX_FILE_BYTES = 1_000_000
log = logging.getLogger("server")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a lesson file: where (file, line, slide) and what."""

    file: str
    line: int | None
    slide: int | None  # 1-based; None for the lesson as a whole
    message: str
    title: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.slide is None:
            return f"{where}: {self.message}"
        title = f" ({self.title})" if self.title else ""
        return f"{where}: slide {self.slide}{title}: {self.message}"


# ---------------------------------------------------------------------------------------------
# Lines: where each slide and key starts in the TOML text
# ---------------------------------------------------------------------------------------------
SLIDE_HEADER = re.compile(r"^\s*\[\[\s*slides\s*\]\]")
TABLE_HEADER = re.compile(r"^\s*\[")


class _Lines:
    """Line numbers (1-based) of `[[slides]]` headers and of keys, skipping multi-line strings."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.code: list[bool] = []  # False for lines inside a multi-line string
        inside = None
        for line in self.lines:
            self.code.append(inside is None)
            for quote in re.findall(r'"""|\'\'\'', line):
                if inside is None:
                    inside = quote
                elif inside == quote:
                    inside = None
        self.slides = [
            i + 1 for i, line in enumerate(self.lines) if self.code[i] and SLIDE_HEADER.match(line)
        ]

    def section(self, slide: int | None) -> tuple[int, int]:
        """The lines [first, end) of a slide (0-based index), or of the top of the file."""
        if slide is None:
            first = 1
            end = next(
                (
                    i + 1
                    for i, line in enumerate(self.lines)
                    if self.code[i] and TABLE_HEADER.match(line)
                ),
                len(self.lines) + 1,
            )
            return first, end
        if slide >= len(self.slides):
            return 1, len(self.lines) + 1
        first = self.slides[slide]
        end = self.slides[slide + 1] if slide + 1 < len(self.slides) else len(self.lines) + 1
        return first, end

    def key(self, slide: int | None, key: str) -> int | None:
        """The line of `key = ...` in that section, else the section's header (None: unknown)."""
        first, end = self.section(slide)
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for n in range(first, min(end, len(self.lines) + 1)):
            if self.code[n - 1] and pattern.match(self.lines[n - 1]):
                return n
        if slide is not None and slide < len(self.slides):
            return self.slides[slide]
        return None

    def header(self, slide: int) -> int | None:
        return self.slides[slide] if slide < len(self.slides) else None

    def value_offset(self, line: int | None) -> int:
        """Lines between a key's line and its value's first line (1 when a multi-line string
        opens with a newline, which TOML drops)."""
        if not line:
            return 0
        return 1 if re.search(r"=\s*(\"\"\"|''')\s*$", self.lines[line - 1]) else 0


# ---------------------------------------------------------------------------------------------
# Checking one file
# ---------------------------------------------------------------------------------------------
def check_text(
    text: str, limits: Limits, file: str = "<lesson>", lesson_id: str | None = None
) -> tuple[dict | None, list[Problem], list[Problem]]:
    """(the lesson as GET /api/lessons/{id} gives it, or None; problems; warnings)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line = int(match.group(1)) if match else None
        return None, [Problem(file, line, None, f"not valid TOML: {message}")], []
    lines = _Lines(text)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    lesson = None
    try:
        lesson = LessonFile.model_validate(data)
    except ValidationError as exc:
        problems += [_schema_problem(err, data, lines, file) for err in exc.errors()]
    # every slide that is well formed runs, even when another one is not
    raw = data.get("slides") if isinstance(data.get("slides"), list) else []
    slides = []
    for i, item in enumerate(raw):
        try:
            slide = SlideFile.model_validate(item)
        except ValidationError:
            continue  # reported above
        where = _Where(file, lines, i, slide.title)
        out = _check_slide(slide, limits, where, problems, warnings)
        if out is not None:
            slides.append(out)
    problems.sort(key=lambda p: (p.slide or 0, p.line or 0))
    if lesson_id is not None and not ID_PATTERN.match(lesson_id):
        problems.append(
            Problem(file, None, None, f"the file name {lesson_id!r} is not a usable lesson id")
        )
    if problems or lesson is None:
        return None, problems, warnings
    result = {
        "id": lesson_id or "lesson",
        "title": lesson.title,
        "description": lesson.description,
        "slides": slides,
    }
    return result, problems, warnings


@dataclass
class _Where:
    file: str
    lines: _Lines
    index: int
    title: str

    def problem(self, message: str, key: str | None = None, line: int | None = None) -> Problem:
        if line is None:
            line = self.lines.key(self.index, key) if key else self.lines.header(self.index)
        return Problem(self.file, line, self.index + 1, message, self.title)


def _schema_problem(err: dict, data: dict, lines: _Lines, file: str) -> Problem:
    loc = err["loc"]
    kind, message = err["type"], err["msg"]
    if loc[:1] == ("slides",) and len(loc) >= 2 and isinstance(loc[1], int):
        index = loc[1]
        slides = data.get("slides") if isinstance(data.get("slides"), list) else []
        raw = slides[index] if index < len(slides) else {}
        title = raw.get("title", "") if isinstance(raw, dict) else ""
        key = str(loc[2]) if len(loc) > 2 else None
        where = _Where(file, lines, index, title if isinstance(title, str) else "")
        if kind == "extra_forbidden":
            return where.problem(f"unknown field {key!r}{_allowed(SlideFile)}", key)
        if kind == "missing":
            return where.problem(f"the slide has no {key!r}", None)
        return where.problem(f"{'.'.join(map(str, loc[2:])) or 'the slide'}: {message}", key)
    key = str(loc[0]) if loc else None
    line = lines.key(None, key) if key else None
    if kind == "extra_forbidden":
        return Problem(file, line, None, f"unknown field {key!r}{_allowed(LessonFile)}")
    if kind == "missing":
        return Problem(file, None, None, f"the lesson has no {key!r}")
    return Problem(file, line, None, f"{'.'.join(map(str, loc)) or 'the lesson'}: {message}")


def _allowed(model) -> str:
    return (
        f" (a {model.__name__.removesuffix('File').lower()} has: {', '.join(model.model_fields)})"
    )


def _check_slide(
    slide: SlideFile, limits: Limits, where: _Where, problems: list, warnings: list
) -> dict | None:
    bad = [name for name, value in slide.inputs.items() if not _is_value(value)]
    if bad:
        problems.append(
            where.problem(
                f"input {bad[0]!r} is not a number or a rectangular list of numbers", "inputs"
            )
        )
        return None
    try:
        result = service.run(
            slide.expression, slide.inputs, limits, sigmoid=slide.sigmoid, check=slide.check
        )
    except APIError as exc:
        line = where.lines.key(where.index, "expression")
        if exc.span and line:
            line += where.lines.value_offset(line) + exc.span[0] - 1
        problems.append(where.problem(f"{exc.code}: {exc.message}", line=line))
        return None
    for w in result.get("warnings", []):
        warnings.append(where.problem(f"warning: {w}", "expression"))
    # the positions of the page's timeline (static/js/logic/timeline.js): start, one per op
    # node, one per backprop step, done
    ops = sum(1 for n in result["nodes"] if n["inputs"])
    last = ops + len(result["steps"]) + 1
    named = {"start": 0, "backward": ops + 1 if result["steps"] else last, "end": last}
    step = named[slide.step] if isinstance(slide.step, str) else slide.step
    if not 0 <= step <= last:
        problems.append(
            where.problem(f"step {step} is outside this slide's steps (0 to {last})", "step")
        )
        return None
    if slide.chain is not None and slide.chain not in result["gradients"]:
        names = ", ".join(result["gradients"]) or "none"
        problems.append(
            where.problem(
                f"chain: {slide.chain!r} is not an input with a gradient ({names})", "chain"
            )
        )
        return None
    return {**slide.model_dump(), "step": step}


def _is_value(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        return value in ("NaN", "Infinity", "-Infinity")
    return isinstance(value, list) and len(value) > 0 and all(_is_value(v) for v in value)


def check_file(path: Path, limits: Limits) -> tuple[dict | None, list[Problem], list[Problem]]:
    """check_text for a file; its id is the file's name without .toml."""
    name = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, [Problem(name, None, None, f"larger than {MAX_FILE_BYTES:,} bytes")], []
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, None, None, f"cannot be read: {exc}")], []
    return check_text(text, limits, name, path.stem)


# ---------------------------------------------------------------------------------------------
# The library the app serves: the shipped lessons, then an instructor's folder
# ---------------------------------------------------------------------------------------------
def lesson_files(folder: Path) -> list[Path]:
    files = sorted(folder.glob("*.toml"), key=lambda p: p.name)
    rank = {name: i for i, name in enumerate(SHIPPED_ORDER)}
    return sorted(files, key=lambda p: rank.get(p.stem, len(rank)))


def load(folders: list[Path], limits: Limits) -> tuple[list[dict], list[Problem]]:
    """Every good lesson of these folders in order (a later folder's id replaces an earlier
    one's), and the problems of the others."""
    lessons: dict[str, dict] = {}
    problems: list[Problem] = []
    for folder in folders:
        for path in lesson_files(folder):
            lesson, found, _ = check_file(path, limits)
            problems += found
            if lesson is not None:
                lessons.pop(lesson["id"], None)
                lessons[lesson["id"]] = lesson
    return list(lessons.values()), problems


class Library:
    """The lessons of one app, checked on first use (each slide runs once) and then kept."""

    def __init__(self, folders: list[Path], limits: Limits):
        self.folders = folders
        self.limits = limits
        self._lessons: list[dict] | None = None
        self._lock = threading.Lock()

    def all(self) -> list[dict]:
        with self._lock:
            if self._lessons is None:
                lessons, problems = load(self.folders, self.limits)
                for p in problems:
                    log.warning("lesson left out: %s", p)
                self._lessons = lessons
            return self._lessons

    def get(self, lesson_id: str) -> dict | None:
        return next((x for x in self.all() if x["id"] == lesson_id), None)
