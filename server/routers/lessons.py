"""GET /api/lessons, /api/lessons/{id}: the lessons (server/lessons.py), checked and ready."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from ..errors import NotFound
from ..responses import JSONResponse
from ..schemas import ErrorResponse, Lesson

router = APIRouter(prefix="/api", tags=["lessons"])


@router.get("/lessons", response_class=JSONResponse, responses={200: {"model": list[Lesson]}})
async def lessons(request: Request) -> JSONResponse:
    """Every lesson with its slides: the shipped ones first, then the --lessons folder's."""
    return JSONResponse(await run_in_threadpool(request.app.state.lessons.all))


@router.get(
    "/lessons/{lesson_id}",
    response_class=JSONResponse,
    responses={
        200: {"model": Lesson},
        404: {"model": ErrorResponse, "description": "No such lesson"},
    },
)
async def lesson(request: Request, lesson_id: str) -> JSONResponse:
    """One lesson by its id (its file's name without .toml)."""
    library = request.app.state.lessons
    await run_in_threadpool(library.all)
    found = library.get(lesson_id)
    if found is None:
        raise NotFound(f"no lesson {lesson_id[:80]!r}: GET /api/lessons lists them")
    return JSONResponse(found)
