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


# The id is read by hand, not declared as a parameter: FastAPI would document a 422 that never
# comes; `describe_lesson_ids` documents it instead, with this server's ids as its enum.
@router.get(
    "/lessons/{lesson_id}",
    response_class=JSONResponse,
    responses={
        200: {"model": Lesson},
        404: {"model": ErrorResponse, "description": "No such lesson"},
    },
    openapi_extra={
        "parameters": [
            {
                "name": "lesson_id",
                "in": "path",
                "required": True,
                "description": "The lesson's id: its file's name without .toml",
                "schema": {"type": "string"},
            }
        ]
    },
)
async def lesson(request: Request) -> JSONResponse:
    """One lesson by its id (its file's name without .toml)."""
    lesson_id = request.path_params["lesson_id"]
    library = request.app.state.lessons
    await run_in_threadpool(library.all)
    found = library.get(lesson_id)
    if found is None:
        raise NotFound(f"no lesson {lesson_id[:80]!r}: GET /api/lessons lists them")
    return JSONResponse(found)


def describe_lesson_ids(schema: dict, library) -> None:
    """The OpenAPI document's lesson_id: one of the lessons this server has."""
    operation = schema.get("paths", {}).get("/api/lessons/{lesson_id}", {}).get("get")
    if operation:
        ids = [x["id"] for x in library.all()]
        operation["parameters"][0]["schema"] = {"type": "string", "enum": ids}
