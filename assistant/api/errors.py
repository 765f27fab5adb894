"""Every error as one JSON body: `error`, `request_id`, and a `hint` when there is one to give
(malformed JSON, an unknown route and an internal error included), never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.api.state import Busy
from assistant.api_models import ErrorModel
from assistant.errors import (
    DISK_FULL,
    NO_SPACE,
    AssistantError,
    BadFilter,
    BadQuestion,
    DiskFull,
    DocumentExists,
    DocumentNotFound,
    IndexCorrupt,
    IndexMismatch,
    IndexNotFound,
    ParseError,
    QueueFull,
    SourceGone,
    StillIndexing,
)

log = logging.getLogger("assistant.api")
ERROR_STATUS: dict[type[AssistantError], int] = {
    BadQuestion: 422,
    BadFilter: 422,
    ParseError: 422,
    DocumentNotFound: 404,
    DocumentExists: 409,
    SourceGone: 409,
    StillIndexing: 409,
    QueueFull: 429,
    IndexNotFound: 503,
    IndexMismatch: 503,
    IndexCorrupt: 503,
    DiskFull: 507,
}
# An AssistantError's hint is written for the command line; over HTTP it says what to send.
HTTP_HINTS: dict[type[AssistantError], str] = {
    DocumentNotFound: "GET /v1/documents lists the indexed documents and their ids",
    IndexNotFound: "upload a document (POST /v1/documents) or start the server with one built",
    IndexMismatch: "the server's index must be rebuilt by whoever runs it",
    IndexCorrupt: "the server's index must be rebuilt by whoever runs it",
}

# Errors about the server's own index name its folders: over HTTP they say what is wrong in
# words, and the log keeps the details.
HTTP_MESSAGES: dict[type[AssistantError], str] = {
    IndexNotFound: "the server has no index yet",
    IndexMismatch: "the server's index was built by another version or model",
    IndexCorrupt: "the server's index is damaged",
}


def documented(*codes: int) -> dict[int | str, dict]:
    """The OpenAPI `responses` of these error codes, each with the one error body."""
    return {code: {"model": ErrorModel} for code in codes}


# What any /v1 route may answer: a Host it does not answer to, no or a wrong token, an
# invalid request, not ready or busy.
V1_ERRORS = documented(400, 401, 422, 503)


def error_response(
    request: Request, status: int, message: str, hint: str | None = None, **extra
) -> JSONResponse:
    body = {"error": message, "request_id": request.state.request_id, **extra}
    if hint:
        body["hint"] = hint
    return JSONResponse(body, status_code=status)


def http_error_of(exc: AssistantError, request_id: str) -> tuple[int, str, str | None]:
    """The status, message and hint an error is said with over HTTP."""
    status = next((code for kind, code in ERROR_STATUS.items() if isinstance(exc, kind)), 400)
    hint = next((h for kind, h in HTTP_HINTS.items() if isinstance(exc, kind)), None)
    message = next((m for kind, m in HTTP_MESSAGES.items() if isinstance(exc, kind)), None)
    if message is not None:
        log.error("request %s: %s", request_id, exc.message)
    return status, message or exc.message, hint or exc.hint or None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AssistantError)
    async def assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        status, message, hint = http_error_of(exc, request.state.request_id)
        response = error_response(request, status, message, hint)
        if status == 429:
            response.headers["retry-after"] = "30"
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        if any(e.get("type") == "json_invalid" for e in problems):
            return error_response(
                request, 422, "the request body is not valid JSON", "send a JSON object"
            )
        fields = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]}
            for e in problems
        ]
        names = ", ".join(f["field"] for f in fields)
        return error_response(request, 422, f"invalid request: {names}", fields=fields)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404 and exc.detail == "Not Found":
            message, hint = f"no route {request.url.path}", "the API is described at /docs"
        elif exc.status_code == 405:
            message, hint = f"{request.method} is not allowed on {request.url.path}", None
        else:
            message, hint = str(exc.detail), None
        response = error_response(request, exc.status_code, message, hint)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(Busy)
    async def busy(request: Request, exc: Busy) -> JSONResponse:
        response = error_response(request, 503, "the service is busy; try again shortly")
        response.headers["retry-after"] = "1"
        return response

    @app.exception_handler(OSError)
    async def disk_error(request: Request, exc: OSError) -> JSONResponse:
        if exc.errno not in NO_SPACE:
            raise exc
        log.error("request %s: %s", request.state.request_id, exc)
        return await assistant_error(request, DiskFull(DISK_FULL))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request %s failed", request.state.request_id)
        return error_response(request, 500, "internal error")
